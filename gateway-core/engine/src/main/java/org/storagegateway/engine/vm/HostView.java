package org.storagegateway.engine.vm;

import java.util.Objects;
import java.util.Optional;

/**
 * A hypervisor host as callers see it.
 *
 * @param backend the bridge backend, such as {@code qemu}
 * @param iscsiInitiatorName the IQN the host logs in to iSCSI targets with, the one array masking must allow
 */
public record HostView(String uuid, String nameLabel, String backend, Optional<String> iscsiInitiatorName) {
    public HostView {
        Objects.requireNonNull(uuid, "uuid is null");
        Objects.requireNonNull(nameLabel, "nameLabel is null");
        Objects.requireNonNull(backend, "backend is null");
        Objects.requireNonNull(iscsiInitiatorName, "iscsiInitiatorName is null");
    }
}
