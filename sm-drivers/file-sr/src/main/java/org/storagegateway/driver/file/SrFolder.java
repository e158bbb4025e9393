package org.storagegateway.driver.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.storagegateway.spi.ErrorCode;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.model.VdiInfo;
import org.storagegateway.vhd.OpenMode;
import org.storagegateway.vhd.VhdException;
import org.storagegateway.vhd.VhdImage;

/**
 * The files of one file SR's folder, as the repository and its garbage collector see them: a VDI is the file
 * {@code <vdi-uuid>.vhd}; its parent is the file its VHD header names. Reads of VHD metadata, durable renames and
 * deletes; every failure is a {@link StorageException} with the SPI's error code. Holds no lock and no open file.
 */
final class SrFolder {
    static final String VHD_SUFFIX = ".vhd";
    /** sm-config keys: the parent VDI's UUID and the number of blocks the VHD holds itself. */
    static final String PARENT_KEY = "vhd-parent";
    static final String BLOCKS_KEY = "vhd-blocks";
    private static final Pattern UUID_PATTERN =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Path directory;
    private final System.Logger logger;

    SrFolder(Path directory, System.Logger logger) {
        this.directory = directory;
        this.logger = logger;
    }

    static boolean isUuid(String text) {
        return UUID_PATTERN.matcher(text).matches();
    }

    Path directory() {
        return directory;
    }

    /** The VDI files of the folder, sorted; other files (staging files, journals) are not listed. */
    List<Path> vhdFiles() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*" + VHD_SUFFIX)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isUuid(name.substring(0, name.length() - VHD_SUFFIX.length()))) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException e) {
            throw new StorageException(StandardErrorCode.STORAGE_FAILURE, "The SR folder " + directory + " is missing");
        } catch (IOException e) {
            throw failure("Cannot list " + directory, e);
        }
        files.sort(null);
        return files;
    }

    /** The file of {@code vdiUuid}, which may not exist. */
    Path vhd(String vdiUuid) {
        if (!isUuid(vdiUuid)) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT, "Not a VDI UUID: " + vdiUuid);
        }
        return directory.resolve(vdiUuid + VHD_SUFFIX);
    }

    /** The file of {@code vdiUuid}, or VDI_NOT_FOUND. */
    Path existing(String vdiUuid) {
        Path file = vhd(vdiUuid);
        if (!Files.exists(file)) {
            throw new StorageException(StandardErrorCode.VDI_NOT_FOUND, "No VDI " + vdiUuid + " in " + directory);
        }
        return file;
    }

    static String uuidOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - VHD_SUFFIX.length());
    }

    /** Describe one VDI file as the SPI reports it; the VDI's UUID is its file name. */
    VdiInfo describe(Path file) {
        return vhd(() -> {
            try (VhdImage image = VhdImage.open(file, OpenMode.READ_ONLY)) {
                Optional<String> parent = image.parentName()
                        .filter(n -> n.endsWith(VHD_SUFFIX))
                        .map(n -> n.substring(0, n.length() - VHD_SUFFIX.length()));
                Map<String, String> smConfig = new HashMap<>();
                parent.ifPresent(p -> smConfig.put(PARENT_KEY, p));
                smConfig.put(BLOCKS_KEY, Long.toString(image.allocatedBlockCount()));
                return new VdiInfo(uuidOf(file), image.virtualSize(), image.fileSizeBytes(), image.hidden(),
                        image.hidden(), parent, smConfig);
            }
        });
    }

    Optional<Path> parentOf(Path file) {
        return vhd(() -> {
            try (VhdImage image = VhdImage.open(file, OpenMode.READ_ONLY)) {
                return image.parentName().filter(n -> !n.isEmpty()).map(directory::resolve);
            }
        });
    }

    /** The VDI files whose parent is {@code parent}; a file no VHD reader can make sense of is nobody's child. */
    List<Path> childrenOf(Path parent) {
        String name = parent.getFileName().toString();
        List<Path> children = new ArrayList<>();
        for (Path file : vhdFiles()) {
            Optional<Path> parentOfFile;
            try {
                parentOfFile = parentOf(file);
            } catch (StorageException e) {
                if (e.errorCode() != StandardErrorCode.CORRUPT_DATA) {
                    throw e;
                }
                // As in scan: an unreadable file is left for an admin.
                logger.log(System.Logger.Level.WARNING, "Skipping unreadable VHD {0}: {1}", file, e.getMessage());
                continue;
            }
            if (parentOfFile.map(p -> p.getFileName().toString().equals(name)).orElse(false)) {
                children.add(file);
            }
        }
        return children;
    }

    /** Rename atomically and make the new name durable (the directory entry is synced too). */
    void move(Path from, Path to) {
        rename(from, to);
        forceDirectory();
    }

    /** Rename atomically; the new name is durable only after the next {@link #forceDirectory}. */
    static void rename(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw failure("Cannot rename " + from + " to " + to, e);
        }
    }

    /** Make the SR folder's entries durable: links, renames and unlinks done so far. */
    void forceDirectory() {
        try (FileChannel folder = FileChannel.open(directory, StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException e) {
            throw failure("Cannot sync the SR folder " + directory, e);
        }
    }

    static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw failure("Cannot delete " + file, e);
        }
    }

    static void vhd(Runnable work) {
        vhd(() -> {
            work.run();
            return null;
        });
    }

    /** Run VHD library work, turning its typed errors into the SPI's. */
    static <T> T vhd(Supplier<T> work) {
        try {
            return work.get();
        } catch (VhdException e) {
            throw new StorageException(codeFor(e.reason()), e.getMessage());
        }
    }

    private static ErrorCode codeFor(VhdException.Reason reason) {
        return switch (reason) {
            case INVALID_ARGUMENT, ALREADY_EXISTS, READ_ONLY -> StandardErrorCode.INVALID_ARGUMENT;
            case CHAIN_TOO_DEEP -> StandardErrorCode.CHAIN_TOO_DEEP;
            case NOT_FOUND -> StandardErrorCode.VDI_NOT_FOUND;
            case IO_ERROR -> StandardErrorCode.STORAGE_FAILURE;
            case UNSUPPORTED -> StandardErrorCode.UNSUPPORTED_OPERATION;
            case BAD_COOKIE, BAD_CHECKSUM, BAT_ENTRY_OUT_OF_RANGE, PARENT_UUID_MISMATCH, CHAIN_LOOP, TRUNCATED,
                    PARENT_MISSING, CORRUPT -> StandardErrorCode.CORRUPT_DATA;
        };
    }

    static StorageException failure(String message, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new StorageException(StandardErrorCode.STORAGE_FAILURE, message + ": permission denied");
        }
        String detail = String.valueOf(e.getMessage());
        if (detail.contains("No space left")) {
            return new StorageException(StandardErrorCode.INSUFFICIENT_SPACE, message + ": no space left");
        }
        return new StorageException(StandardErrorCode.STORAGE_FAILURE, message + ": " + e);
    }
}
