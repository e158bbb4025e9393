package org.storagegateway.launcher;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.runtime.ObjectMethods;

/**
 * Lets go of the bundle classes the JDK keeps from records' generated methods.
 *
 * <p>On JDK 17 the bootstrap behind every record's {@code equals}, {@code hashCode} and {@code toString}
 * ({@link ObjectMethods}) adapts a few JDK-wide method handles to the record's types and keeps the last adaptation in
 * {@code MethodHandle.asTypeCache} (JDK-8078641, fixed in JDK 18). If a driver's record was the last one bootstrapped
 * in the JVM, those caches pin its bundle's class loader after the bundle is removed. Bootstrapping the three methods
 * of a host record, with a reference-typed component, replaces every such entry.
 */
final class RecordMethodCaches {
    /** A host record whose adaptations replace a bundle's; its component is reference-typed, as theirs may be. */
    private record Placeholder(String value) {
    }

    private RecordMethodCaches() {
    }

    /** Replace what the JDK's record-method caches hold by host types; call once a bundle's classes are unused. */
    static void release() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle value = lookup.findGetter(Placeholder.class, "value", String.class);
            ObjectMethods.bootstrap(lookup, "equals",
                    MethodType.methodType(boolean.class, Placeholder.class, Object.class), Placeholder.class, "value",
                    value);
            ObjectMethods.bootstrap(lookup, "hashCode", MethodType.methodType(int.class, Placeholder.class),
                    Placeholder.class, "value", value);
            ObjectMethods.bootstrap(lookup, "toString", MethodType.methodType(String.class, Placeholder.class),
                    Placeholder.class, "value", value);
        } catch (Throwable e) {
            throw new IllegalStateException("Bootstrapping a record's methods failed", e);
        }
    }
}
