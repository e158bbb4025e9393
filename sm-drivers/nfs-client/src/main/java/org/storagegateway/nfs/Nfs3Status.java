package org.storagegateway.nfs;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** The {@code nfsstat3} codes of RFC 1813 §2.6 and their mapping onto the typed exceptions of java.nio.file. */
final class Nfs3Status {
    static final int OK = 0;
    static final int PERM = 1;
    static final int NOENT = 2;
    static final int IO = 5;
    static final int NXIO = 6;
    static final int ACCES = 13;
    static final int EXIST = 17;
    static final int XDEV = 18;
    static final int NODEV = 19;
    static final int NOTDIR = 20;
    static final int ISDIR = 21;
    static final int INVAL = 22;
    static final int FBIG = 27;
    static final int NOSPC = 28;
    static final int ROFS = 30;
    static final int MLINK = 31;
    static final int NAMETOOLONG = 63;
    static final int NOTEMPTY = 66;
    static final int DQUOT = 69;
    static final int STALE = 70;
    static final int REMOTE = 71;
    static final int BADHANDLE = 10001;
    static final int NOT_SYNC = 10002;
    static final int BAD_COOKIE = 10003;
    static final int NOTSUPP = 10004;
    static final int TOOSMALL = 10005;
    static final int SERVERFAULT = 10006;
    static final int BADTYPE = 10007;
    static final int JUKEBOX = 10008;

    private Nfs3Status() {
    }

    static String name(int status) {
        return switch (status) {
            case OK -> "NFS3_OK";
            case PERM -> "NFS3ERR_PERM";
            case NOENT -> "NFS3ERR_NOENT";
            case IO -> "NFS3ERR_IO";
            case NXIO -> "NFS3ERR_NXIO";
            case ACCES -> "NFS3ERR_ACCES";
            case EXIST -> "NFS3ERR_EXIST";
            case XDEV -> "NFS3ERR_XDEV";
            case NODEV -> "NFS3ERR_NODEV";
            case NOTDIR -> "NFS3ERR_NOTDIR";
            case ISDIR -> "NFS3ERR_ISDIR";
            case INVAL -> "NFS3ERR_INVAL";
            case FBIG -> "NFS3ERR_FBIG";
            case NOSPC -> "NFS3ERR_NOSPC";
            case ROFS -> "NFS3ERR_ROFS";
            case MLINK -> "NFS3ERR_MLINK";
            case NAMETOOLONG -> "NFS3ERR_NAMETOOLONG";
            case NOTEMPTY -> "NFS3ERR_NOTEMPTY";
            case DQUOT -> "NFS3ERR_DQUOT";
            case STALE -> "NFS3ERR_STALE";
            case REMOTE -> "NFS3ERR_REMOTE";
            case BADHANDLE -> "NFS3ERR_BADHANDLE";
            case NOT_SYNC -> "NFS3ERR_NOT_SYNC";
            case BAD_COOKIE -> "NFS3ERR_BAD_COOKIE";
            case NOTSUPP -> "NFS3ERR_NOTSUPP";
            case TOOSMALL -> "NFS3ERR_TOOSMALL";
            case SERVERFAULT -> "NFS3ERR_SERVERFAULT";
            case BADTYPE -> "NFS3ERR_BADTYPE";
            case JUKEBOX -> "NFS3ERR_JUKEBOX";
            default -> "nfsstat3 " + status;
        };
    }

    /**
     * The exception for a failed call on {@code file} (and {@code other}, the second path of a rename or link).
     * Messages follow the JDK's Unix provider ("Is a directory", "No space left on device") plus the NFS name.
     */
    static FileSystemException toException(int status, String file, String other) {
        return switch (status) {
            case NOENT -> new NoSuchFileException(file, other, null);
            case PERM, ACCES -> new AccessDeniedException(file, other, reason(status, "Permission denied"));
            case EXIST -> new FileAlreadyExistsException(file, other, null);
            case NOTDIR -> new NotDirectoryException(file);
            case NOTEMPTY -> new DirectoryNotEmptyException(file);
            default -> new Nfs3FileSystemException(file, other, reason(status, describe(status)), status);
        };
    }

    private static String describe(int status) {
        return switch (status) {
            case IO -> "Input/output error";
            case NXIO -> "No such device or address";
            case XDEV -> "Invalid cross-device link";
            case NODEV -> "No such device";
            case ISDIR -> "Is a directory";
            case INVAL -> "Invalid argument";
            case FBIG -> "File too large";
            case NOSPC -> "No space left on device";
            case ROFS -> "Read-only file system";
            case MLINK -> "Too many links";
            case NAMETOOLONG -> "File name too long";
            case DQUOT -> "Disk quota exceeded";
            case STALE, BADHANDLE -> "Stale file handle";
            case NOTSUPP -> "Operation not supported";
            case SERVERFAULT -> "Server fault";
            case JUKEBOX -> "Server busy, try later";
            default -> "NFS error";
        };
    }

    private static String reason(int status, String text) {
        return text + " (" + name(status) + ")";
    }
}
