package org.storagegateway.vhd.nbd;

/**
 * What an {@link NbdServer} serves: a range of bytes with read, write, flush and allocation queries. Implementations
 * are called from several threads at once and throw {@link NbdException} with the NBD error to report.
 */
public interface NbdExport {

    /** The export name clients ask for. */
    String name();

    /** The current size in bytes. */
    long size();

    /** Whether writes are refused; clients are told so at the handshake. */
    boolean readOnly();

    /** Read {@code length} bytes at {@code offset} into {@code buffer[0..length)}; the range is within the size. */
    void read(long offset, byte[] buffer, int length);

    /** Write {@code buffer[0..length)} at {@code offset}; {@code durable} forces it to stable storage before return. */
    void write(long offset, byte[] buffer, int length, boolean durable);

    /** Make the range read as zeros; {@code durable} as for {@link #write}. */
    void writeZeroes(long offset, long length, boolean durable);

    /** Force every write that has returned to stable storage. */
    void flush();

    /**
     * Describe the allocation of {@code [offset, offset + length)} as consecutive extents, in order, until the range is
     * covered or the sink returns false.
     */
    void allocation(long offset, long length, ExtentSink sink);

    /** Receives extents of {@link #allocation}. */
    @FunctionalInterface
    interface ExtentSink {
        /**
         * Take the next extent: {@code allocated} false means a hole that reads as zeros.
         *
         * @return whether more extents are wanted
         */
        boolean extent(long length, boolean allocated);
    }
}
