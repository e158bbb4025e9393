package org.storagegateway.engine;

/**
 * The users of attached VDIs, as the storage operations need to know them: whether a VDI is attached for some host,
 * and how to make the guests that have it plugged see a new size. The VM service provides it; a gateway without
 * hypervisor hosts attaches nothing ({@link #NONE}).
 */
public interface AttachedDisks {

    /** Nothing is attached, and there is no guest to tell. */
    AttachedDisks NONE = new AttachedDisks() {
        @Override
        public boolean attached(String vdiUuid) {
            return false;
        }

        @Override
        public void refreshSize(String vdiUuid) {
        }
    };

    /** Whether the VDI is attached for some host. */
    boolean attached(String vdiUuid);

    /**
     * Make every running guest that has the VDI plugged see its current virtual size, without unplugging it.
     *
     * @throws org.storagegateway.spi.StorageException with the bridge's code when a guest could not be told; that
     *         guest keeps its disk at the size it saw
     */
    void refreshSize(String vdiUuid);
}
