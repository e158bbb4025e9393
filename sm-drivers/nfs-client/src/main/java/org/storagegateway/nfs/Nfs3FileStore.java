package org.storagegateway.nfs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/**
 * The export as a {@link FileStore}: every space query is one FSSTAT call on the handle of the path it was obtained
 * for (total = {@code tbytes}, unallocated = {@code fbytes}, usable = {@code abytes}, what this user may still use).
 */
final class Nfs3FileStore extends FileStore {

    private final Nfs3Client client;
    private final Nfs3FileSystem fs;
    private final byte[] fh;
    private final Nfs3Path path;

    Nfs3FileStore(Nfs3Client client, Nfs3FileSystem fs, byte[] fh, Nfs3Path path) {
        this.client = client;
        this.fs = fs;
        this.fh = fh;
        this.path = path;
    }

    @Override
    public String name() {
        return fs.host() + ":" + fs.exportPath();
    }

    @Override
    public String type() {
        return "nfs3";
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public long getTotalSpace() throws IOException {
        return client.fsstat(fh, path).totalBytes();
    }

    @Override
    public long getUsableSpace() throws IOException {
        return client.fsstat(fh, path).availableBytes();
    }

    @Override
    public long getUnallocatedSpace() throws IOException {
        return client.fsstat(fh, path).freeBytes();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return name.equals("basic") || name.equals("posix");
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) throws IOException {
        return switch (attribute) {
            case "totalSpace" -> getTotalSpace();
            case "usableSpace" -> getUsableSpace();
            case "unallocatedSpace" -> getUnallocatedSpace();
            default -> throw new UnsupportedOperationException("'" + attribute + "' not recognized");
        };
    }

    @Override
    public String toString() {
        return name() + " (nfs3)";
    }
}
