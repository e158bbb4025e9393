package org.storagegateway.bridge.qemu;

import java.util.List;

/**
 * The greeting QEMU sends when a QMP client connects.
 *
 * @param major        QEMU major version
 * @param minor        QEMU minor version
 * @param micro        QEMU micro version
 * @param packageName  the distribution's package string, for example "Debian 1:7.2+dfsg-7+deb12u18"
 * @param capabilities the optional capabilities QEMU offers (for example "oob")
 */
public record QmpGreeting(int major, int minor, int micro, String packageName, List<String> capabilities) {

    public QmpGreeting {
        capabilities = List.copyOf(capabilities);
    }

    /** True when QEMU is at least {@code major.minor}. */
    public boolean atLeast(int wantedMajor, int wantedMinor) {
        return major > wantedMajor || (major == wantedMajor && minor >= wantedMinor);
    }

    public String version() {
        return major + "." + minor + "." + micro;
    }
}
