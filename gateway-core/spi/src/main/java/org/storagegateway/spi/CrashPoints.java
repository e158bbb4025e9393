package org.storagegateway.spi;

/**
 * Named crash points: a test hook that stops the process dead at a chosen step, so crash-recovery tests can interrupt
 * an operation exactly there.
 *
 * <p>Off in production: a point fires only when the JVM was started with
 * {@code -Dstoragegateway.crash-point=<name>} naming it, and then the JVM halts at once (no shutdown hooks, no
 * flushing), as {@code kill -9} would. Drivers place points between the steps of their multi-step operations; the
 * names are documented next to each operation and listed by the crash-recovery tests.
 */
public final class CrashPoints {
    /** The system property that arms one crash point. */
    public static final String PROPERTY = "storagegateway.crash-point";
    /** The exit status of a process stopped by a crash point. */
    public static final int EXIT_STATUS = 137;

    private static final String ARMED = System.getProperty(PROPERTY);

    private CrashPoints() {
    }

    /** Halt the JVM if {@code name} is the armed crash point; otherwise return at once. */
    public static void reach(String name) {
        if (ARMED != null && ARMED.equals(name)) {
            System.err.println("Crash point " + name + " reached: halting");
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }
}
