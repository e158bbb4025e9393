package org.storagegateway.nfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(GaneshaExtension.class)}: starts the shared {@link Ganesha} once per run, skips the class (with
 * the reason) when nfs-ganesha cannot be installed or started, and injects it into test and lifecycle methods. An
 * {@link Nfs3FileSystem} parameter is its export mounted for the scope that asks (a test class for a
 * {@code @BeforeAll} method, a test for a test method) and closed when that scope ends.
 */
public final class GaneshaExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(GaneshaExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Ganesha g = server(context);
        Assumptions.assumeTrue(g.available(), g::whyUnavailable);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Ganesha.class || type == Nfs3FileSystem.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == Nfs3FileSystem.class) {
            // The store closes it (an AutoCloseable) when the context ends.
            return context.getStore(NS).getOrComputeIfAbsent(Nfs3FileSystem.class, k -> mount(server(context)),
                    Nfs3FileSystem.class);
        }
        return server(context);
    }

    private static Nfs3FileSystem mount(Ganesha server) {
        try {
            return new Nfs3FileSystemProvider().newFileSystem(server.exportUri(), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Ganesha server(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Ganesha.class, k -> Ganesha.start(), Ganesha.class);
    }
}
