package org.storagegateway.nfs;

import com.emc.ecs.nfsclient.nfs.NfsGetAttributes;
import com.emc.ecs.nfsclient.nfs.NfsTime;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The NFSv3 {@code fattr3} of one object, as {@link PosixFileAttributes}. Times have millisecond precision (what the
 * client library exposes). {@link #fileKey()} is the (fsid, fileid) pair, equal for hard links to the same file.
 */
public final class Nfs3FileAttributes implements PosixFileAttributes {

    static final int NF3REG = 1;
    static final int NF3DIR = 2;
    static final int NF3LNK = 5;

    /**
     * What {@link #fileKey()} returns: the server's file system id and file id (inode number). Equality is written
     * out: see {@link Nfs3FileSystemProvider} on records in a bundle's class loader.
     */
    public record FileKey(long fsid, long fileid) {
        @Override
        public boolean equals(Object other) {
            return other instanceof FileKey key && key.fsid == fsid && key.fileid == fileid;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(fsid) * 31 + Long.hashCode(fileid);
        }
    }

    private final int type;
    private final long mode;
    private final long nlink;
    private final long uid;
    private final long gid;
    private final long size;
    private final long used;
    private final long fsid;
    private final long fileid;
    private final long atimeMillis;
    private final long mtimeMillis;
    private final long ctimeMillis;

    private Nfs3FileAttributes(NfsGetAttributes a) {
        this.type = a.getType() == null ? 0 : a.getType().getValue();
        this.mode = a.getMode();
        this.nlink = a.getNlink();
        this.uid = a.getUid();
        this.gid = a.getGid();
        this.size = a.getSize();
        this.used = a.getUsed();
        this.fsid = a.getFsid();
        this.fileid = a.getFileid();
        this.atimeMillis = millis(a.getAtime());
        this.mtimeMillis = millis(a.getMtime());
        this.ctimeMillis = millis(a.getCtime());
    }

    /** Null when the server did not send attributes (a {@code post_op_attr} with {@code attributes_follow} false). */
    static Nfs3FileAttributes of(NfsGetAttributes a) {
        return a == null || !a.isLoaded() ? null : new Nfs3FileAttributes(a);
    }

    private static long millis(NfsTime t) {
        return t == null ? 0 : t.getTimeInMillis();
    }

    /** The {@code ftype3}: 1 regular, 2 directory, 3 block, 4 character, 5 symlink, 6 socket, 7 fifo. */
    public int nfsType() {
        return type;
    }

    /** The mode bits ({@code 0644}...), without the file type. */
    public int mode() {
        return (int) (mode & 07777);
    }

    public long linkCount() {
        return nlink;
    }

    public long uid() {
        return uid;
    }

    public long gid() {
        return gid;
    }

    /** Bytes the server has allocated for the file ({@code used}), e.g. less than {@link #size()} for sparse files. */
    public long allocatedBytes() {
        return used;
    }

    public long fsid() {
        return fsid;
    }

    public long fileid() {
        return fileid;
    }

    @Override
    public FileTime lastModifiedTime() {
        return FileTime.from(mtimeMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public FileTime lastAccessTime() {
        return FileTime.from(atimeMillis, TimeUnit.MILLISECONDS);
    }

    /** NFSv3 has no birth time; like the Unix provider this answers the last status change time (ctime). */
    @Override
    public FileTime creationTime() {
        return FileTime.from(ctimeMillis, TimeUnit.MILLISECONDS);
    }

    public FileTime lastChangeTime() {
        return FileTime.from(ctimeMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isRegularFile() {
        return type == NF3REG;
    }

    @Override
    public boolean isDirectory() {
        return type == NF3DIR;
    }

    @Override
    public boolean isSymbolicLink() {
        return type == NF3LNK;
    }

    @Override
    public boolean isOther() {
        return type != NF3REG && type != NF3DIR && type != NF3LNK;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public FileKey fileKey() {
        return new FileKey(fsid, fileid);
    }

    @Override
    public UserPrincipal owner() {
        return new Nfs3Principals.User(uid);
    }

    @Override
    public GroupPrincipal group() {
        return new Nfs3Principals.Group(gid);
    }

    @Override
    public Set<PosixFilePermission> permissions() {
        return toPermissions(mode());
    }

    static Set<PosixFilePermission> toPermissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, 0400 down to 0001
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                out.add(all[i]);
            }
        }
        return out;
    }

    static int toMode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 0400 >> p.ordinal();
        }
        return mode;
    }

    @Override
    public String toString() {
        return "nfs3 attributes{type=" + type + ", mode=0" + Integer.toOctalString(mode()) + ", size=" + size
                + ", fileid=" + fileid + ", mtime=" + lastModifiedTime() + "}";
    }
}
