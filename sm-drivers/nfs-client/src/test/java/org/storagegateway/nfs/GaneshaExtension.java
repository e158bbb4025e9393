package org.storagegateway.nfs;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(GaneshaExtension.class)}: starts the shared {@link Ganesha} once per run, skips the class (with
 * the reason) when nfs-ganesha cannot be installed or started, and injects it into test and lifecycle methods.
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
        return parameter.getParameter().getType() == Ganesha.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server(context);
    }

    private static Ganesha server(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Ganesha.class, k -> Ganesha.start(), Ganesha.class);
    }
}
