package org.storagegateway.nfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The provider against a real nfs-ganesha export: each operation the file SR driver uses, its typed errors, and the
 * result on the exported directory as the local file system sees it.
 */
@ExtendWith(GaneshaExtension.class)
class Nfs3ProviderTests {

    private static final AtomicInteger SEQ = new AtomicInteger();

    private static Nfs3FileSystemProvider provider;
    private static Nfs3FileSystem fs;
    private static Ganesha ganesha;

    /** This test's directory, over NFS and on the local disk. */
    private Path dir;
    private Path local;

    @BeforeAll
    static void mount(Ganesha server, Nfs3FileSystem export) {
        ganesha = server;
        fs = export;
        provider = export.provider();
    }

    @BeforeEach
    void testDirectory(TestInfo info) throws IOException {
        String name = "p" + SEQ.incrementAndGet() + "-" + info.getTestMethod().orElseThrow().getName();
        dir = fs.getPath("/" + name);
        Files.createDirectory(dir);
        local = ganesha.localExport().resolve(name);
        assertThat(local).isDirectory();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    // --------------------------------------------------------------------------------------------------------------
    // Channels

    @Test
    void aFileWrittenThroughAChannelIsOnTheExportedDisk() throws IOException {
        Path file = dir.resolve("data.bin");
        byte[] first = random(300_000, 1);
        byte[] patch = random(5000, 2);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            assertThat(ch).isInstanceOf(Nfs3FileChannel.class);
            assertThat(ch.write(ByteBuffer.wrap(first))).isEqualTo(first.length);
            assertThat(ch.position()).isEqualTo(first.length);
            ch.write(ByteBuffer.wrap(patch), 4096 * 3 + 7);
            ch.write(ByteBuffer.wrap(patch, 0, 100), 1_000_000); // past the end: a hole, then 100 bytes
            assertThat(ch.size()).isEqualTo(1_000_100);
            ByteBuffer back = ByteBuffer.allocate(patch.length);
            assertThat(ch.read(back, 4096 * 3 + 7)).isEqualTo(patch.length);
            assertThat(back.array()).isEqualTo(patch);
            ByteBuffer direct = ByteBuffer.allocateDirect(10);
            assertThat(ch.read(direct, 999_995)).isEqualTo(10);
            assertThat(ch.read(ByteBuffer.allocate(1), 1_000_100)).isEqualTo(-1);
            ch.force(true);
        }
        byte[] expected = new byte[1_000_100];
        System.arraycopy(first, 0, expected, 0, first.length);
        System.arraycopy(patch, 0, expected, 4096 * 3 + 7, patch.length);
        System.arraycopy(patch, 0, expected, 1_000_000, 100);
        assertThat(Files.readAllBytes(local.resolve("data.bin"))).isEqualTo(expected);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    }

    @Test
    void createNewRefusesAnExistingFileAndOpenRefusesAMissingOne() throws IOException {
        Path file = dir.resolve("once");
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        assertThatThrownBy(() -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("once");
        assertThatThrownBy(() -> FileChannel.open(dir.resolve("missing"), StandardOpenOption.READ))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("missing");
        assertThatThrownBy(() -> FileChannel.open(dir.resolve("no/such/dir/x"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> FileChannel.open(dir, StandardOpenOption.WRITE))
                .isInstanceOf(FileSystemException.class).hasMessageContaining("Is a directory");
        assertThatThrownBy(() -> FileChannel.open(file.resolve("child"), StandardOpenOption.READ))
                .isInstanceOf(FileSystemException.class);
    }

    @Test
    void createOpensAnExistingFileWithoutTruncatingItUnlessAsked() throws IOException {
        Path file = dir.resolve("f");
        Files.write(file, "hello world".getBytes(StandardCharsets.US_ASCII));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("J".getBytes(StandardCharsets.US_ASCII)), 6);
        }
        assertThat(Files.readString(local.resolve("f"))).isEqualTo("hello Jorld");
        Files.write(file, "x".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        assertThat(Files.readString(file)).isEqualTo("hello Jorldx");
        Files.write(file, "new".getBytes(StandardCharsets.US_ASCII)); // CREATE, TRUNCATE_EXISTING, WRITE
        assertThat(Files.readString(local.resolve("f"))).isEqualTo("new");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(1);
            assertThat(ch.size()).isEqualTo(1);
        }
        assertThat(Files.size(local.resolve("f"))).isEqualTo(1);
    }

    @Test
    void aCreateWithForceIsCreateAndOneStableWrite() throws IOException {
        Path file = dir.resolve("created.vhd");
        long before = fs.rpcCount();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(random(25_600, 3)), 0);
            ch.force(true);
        }
        assertThat(fs.rpcCount() - before).as("CREATE, WRITE FILE_SYNC; no COMMIT").isEqualTo(2);
        assertThat(Files.readAllBytes(local.resolve("created.vhd"))).isEqualTo(random(25_600, 3));
    }

    @Test
    void smallReadsAreServedFromOneReadAheadWindowThatTheChannelsOwnWritesDrop() throws IOException {
        Path file = dir.resolve("header.vhd");
        Files.write(file, random(100_000, 5));
        byte[] expected = random(100_000, 5);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long before = fs.rpcCount();
            ByteBuffer footerCopy = ByteBuffer.allocate(512);
            ByteBuffer header = ByteBuffer.allocate(1024);
            ByteBuffer table = ByteBuffer.allocate(20_480);
            ch.read(footerCopy, 0);
            ch.read(header, 512);
            ch.read(table, 1536);
            assertThat(fs.rpcCount() - before).as("one READ of 64 KiB for three reads in it").isEqualTo(1);
            assertThat(table.array()).isEqualTo(Arrays.copyOfRange(expected, 1536, 1536 + 20_480));

            ch.write(ByteBuffer.wrap(new byte[] {42}), 600);
            header.clear();
            ch.read(header, 512);
            assertThat(header.get(600 - 512)).as("the write dropped the window").isEqualTo((byte) 42);

            ByteBuffer pastTheWindow = ByteBuffer.allocate(4096);
            assertThat(ch.read(pastTheWindow, 99_000)).as("a short read at the end of the file").isEqualTo(1000);
            assertThat(ch.read(ByteBuffer.allocate(10), 100_000)).isEqualTo(-1);
        }
    }

    @Test
    void forceCommitsWhatIsUnstableAndNothingElse(Ganesha server) throws IOException {
        Path file = dir.resolve("durable");
        Files.write(file, new byte[0]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(random(4096, 4)), 0); // auto: the first write after open is FILE_SYNC
            long before = fs.rpcCount();
            ch.force(true);
            assertThat(fs.rpcCount() - before).as("nothing unstable").isZero();
            ch.write(ByteBuffer.wrap(random(4096, 5)), 4096); // first after force: FILE_SYNC again
            ch.write(ByteBuffer.wrap(random(4096, 6)), 8192); // then UNSTABLE
            before = fs.rpcCount();
            ch.force(false);
            assertThat(fs.rpcCount() - before).as("one COMMIT").isEqualTo(1);
            before = fs.rpcCount();
            ch.force(true);
            assertThat(fs.rpcCount() - before).isZero();
            assertThat(ch.size()).isEqualTo(12_288);
        }
        try (Nfs3FileSystem unstable = new Nfs3FileSystemProvider().newFileSystem(server.exportUri(),
                Map.of(Nfs3Options.WRITES, "unstable", Nfs3Options.ATTR_CACHE, 0))) {
            Path same = unstable.getPath(file.toString());
            long before = unstable.rpcCount();
            try (FileChannel ch = FileChannel.open(same, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(random(100, 7)), 0);
                assertThat(ch.size()).isEqualTo(12_288);
            } // close commits
            assertThat(unstable.rpcCount() - before).as("LOOKUP dir, LOOKUP file, WRITE, GETATTR, COMMIT")
                    .isEqualTo(5);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
            ch.write(ByteBuffer.wrap(random(4096, 4)), 0);
            ch.write(ByteBuffer.wrap(random(4096, 4)), 4096);
            long before = fs.rpcCount();
            ch.force(true);
            assertThat(fs.rpcCount() - before).as("SYNC writes need no COMMIT").isZero();
        }
        try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
            long before = fs.rpcCount();
            folder.force(true); // what the file SR does after a rename
            assertThat(fs.rpcCount() - before).isZero();
            assertThatThrownBy(() -> folder.read(ByteBuffer.allocate(1))).isInstanceOf(FileSystemException.class);
        }
    }

    @Test
    void unstableWritesAreSentAgainWhenTheServerRestartedBeforeTheCommit(Ganesha server) throws IOException {
        try (Nfs3FileSystem unstable = new Nfs3FileSystemProvider().newFileSystem(server.exportUri(),
                Map.of(Nfs3Options.WRITES, "unstable"))) {
            Path file = unstable.getPath(dir.toString(), "restart.bin");
            byte[] a = random(300_000, 8);
            byte[] b = random(5000, 9);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(a), 0);
                ch.write(ByteBuffer.wrap(b), 1_000_000);
                server.restart(); // a new write verifier: the server may have lost what was not committed
                long t0 = System.nanoTime();
                ch.force(true);
                System.out.printf("[nfs] first COMMIT after a server restart took %.0f ms%n",
                        (System.nanoTime() - t0) / 1e6);
                assertThat(((Nfs3FileChannel) ch).resentWrites()).as("both WRITEs sent again FILE_SYNC")
                        .isEqualTo(2);
            }
            byte[] expected = new byte[1_005_000];
            System.arraycopy(a, 0, expected, 0, a.length);
            System.arraycopy(b, 0, expected, 1_000_000, b.length);
            assertThat(Files.readAllBytes(local.resolve("restart.bin"))).isEqualTo(expected);
            assertThat(Files.readAllBytes(file)).as("the same mount works on after the restart").isEqualTo(expected);
        }
    }

    @Test
    void aLargeWriteIsSplitIntoIoSizeCallsAndReadBackWhole() throws IOException {
        Path file = dir.resolve("big");
        byte[] data = random(5 * 1024 * 1024 + 123, 5);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long before = fs.rpcCount();
            ch.write(ByteBuffer.wrap(data), 0);
            assertThat(fs.rpcCount() - before).as("1 MiB per WRITE").isEqualTo(6);
        }
        assertThat(Files.readAllBytes(local.resolve("big"))).isEqualTo(data);
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer all = ByteBuffer.allocate(data.length);
            while (all.hasRemaining() && ch.read(all) > 0) {
                // sequential reads move the position
            }
            assertThat(all.array()).isEqualTo(data);
            assertThat(ch.position()).isEqualTo(data.length);
        }
    }

    @Test
    void locksAndMappingAreRefusedPlainly() throws IOException {
        Path file = dir.resolve("l");
        Files.write(file, new byte[10]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThatThrownBy(ch::lock).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("NLM");
            assertThatThrownBy(() -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 10))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Directories

    @Test
    void directoriesAreCreatedListedWithGlobsAndDeleted() throws IOException {
        Files.createDirectories(dir.resolve("a/b/c"));
        assertThat(local.resolve("a/b/c")).isDirectory();
        assertThatThrownBy(() -> Files.createDirectory(dir.resolve("a"))).isInstanceOf(FileAlreadyExistsException.class);
        // Many entries, made on the server's disk before ganesha ever looks at the directory (ganesha caches
        // directory entries, so changes behind its back are not a fair test): several READDIR pages.
        Path many = local.resolve("many");
        Files.createDirectory(many);
        Set<String> vhds = new TreeSet<>();
        for (int i = 0; i < 700; i++) {
            String name = String.format("%08d-1111-2222-3333-444455556666.vhd", i);
            Files.createFile(many.resolve(name));
            vhds.add(name);
        }
        Files.createFile(many.resolve("coalesce-1.journal"));
        Path m = dir.resolve("many");
        Set<String> listed = new TreeSet<>();
        long before = fs.rpcCount();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(m, "*.vhd")) {
            for (Path p : ds) {
                assertThat(p.getParent()).isEqualTo(m);
                listed.add(p.getFileName().toString());
            }
        }
        long calls = fs.rpcCount() - before;
        assertThat(listed).isEqualTo(vhds);
        assertThat(calls).as("READDIR pages").isBetween(2L, 40L);
        System.out.println("[nfs] listing 701 names took " + calls + " calls (LOOKUP + READDIR pages)");
        try (var all = Files.list(m)) {
            assertThat(all.count()).isEqualTo(701);
        }
        assertThatThrownBy(() -> Files.newDirectoryStream(m.resolve("coalesce-1.journal")))
                .isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> Files.delete(dir.resolve("a"))).isInstanceOf(DirectoryNotEmptyException.class);
        Files.delete(dir.resolve("a/b/c"));
        assertThat(local.resolve("a/b/c")).doesNotExist();
        Files.delete(m.resolve("coalesce-1.journal"));
        assertThat(many.resolve("coalesce-1.journal")).doesNotExist();
        assertThatThrownBy(() -> Files.delete(m.resolve("coalesce-1.journal"))).isInstanceOf(NoSuchFileException.class);
        assertThat(Files.deleteIfExists(m.resolve("coalesce-1.journal"))).isFalse();
    }

    @Test
    void aDirectoryReplacedByAnotherClientIsFoundAgain(Ganesha server) throws IOException {
        Files.createDirectory(dir.resolve("sr"));
        Files.write(dir.resolve("sr/x"), new byte[] {1});
        assertThat(Files.exists(dir.resolve("sr/x"))).isTrue(); // "sr" is now in the directory-handle cache
        // Another client (its own mount, its own caches) replaces the directory.
        try (Nfs3FileSystem other = new Nfs3FileSystemProvider().newFileSystem(server.exportUri(), Map.of())) {
            Path sr = other.getPath("/" + dir.getFileName() + "/sr");
            Files.delete(sr.resolve("x"));
            Files.delete(sr);
            Files.createDirectory(sr);
            Files.write(sr.resolve("y"), new byte[] {2});
        }
        assertThat(Files.readAllBytes(dir.resolve("sr/y"))).containsExactly(2);
        assertThat(Files.exists(dir.resolve("sr/x"))).isFalse();
    }

    // --------------------------------------------------------------------------------------------------------------
    // Rename and links

    @Test
    void atomicMoveReplacesTheTargetInOneRename() throws IOException {
        Files.write(dir.resolve("new.tmp"), "new".getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("live"), "old".getBytes(StandardCharsets.US_ASCII));
        long inode = (Long) Files.getAttribute(local.resolve("new.tmp"), "unix:ino");
        long before = fs.rpcCount();
        Files.move(dir.resolve("new.tmp"), dir.resolve("live"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        assertThat(fs.rpcCount() - before).as("RENAME only (directory handles cached)").isEqualTo(1);
        assertThat(Files.readString(local.resolve("live"))).isEqualTo("new");
        assertThat((Long) Files.getAttribute(local.resolve("live"), "unix:ino")).isEqualTo(inode);
        assertThat(local.resolve("new.tmp")).doesNotExist();
    }

    @Test
    void moveKeepsTheJdkContract() throws IOException {
        Files.write(dir.resolve("a"), new byte[] {1});
        Files.write(dir.resolve("b"), new byte[] {2});
        assertThatThrownBy(() -> Files.move(dir.resolve("a"), dir.resolve("b")))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("b");
        assertThatThrownBy(() -> Files.move(dir.resolve("nope"), dir.resolve("c")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("nope");
        Files.move(dir.resolve("a"), dir.resolve("b"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.readAllBytes(local.resolve("b"))).containsExactly(1);
        Files.move(dir.resolve("b"), dir.resolve("b")); // same file: no effect
        assertThat(local.resolve("b")).exists();
        // directories move with their content, and the moved tree is reachable at once (cache invalidated)
        Files.createDirectories(dir.resolve("d1/sub"));
        Files.write(dir.resolve("d1/sub/f"), new byte[] {3});
        Files.move(dir.resolve("d1"), dir.resolve("d2"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.readAllBytes(dir.resolve("d2/sub/f"))).containsExactly(3);
        assertThat(Files.exists(dir.resolve("d1/sub/f"))).isFalse();
        // a file onto a non-empty directory
        assertThatThrownBy(() -> Files.move(dir.resolve("b"), dir.resolve("d2"), StandardCopyOption.REPLACE_EXISTING))
                .isInstanceOf(DirectoryNotEmptyException.class);
    }

    @Test
    void moveBetweenTwoMountsCopiesUnlessAtomic(Ganesha server) throws IOException {
        Files.createDirectories(dir.resolve("inner"));
        Nfs3FileSystem other = provider.newFileSystem(URI.create(server.exportUri() + "/" + dir.getFileName() + "/inner"),
                Map.of());
        try {
            Files.write(dir.resolve("f"), new byte[] {9, 8});
            assertThatThrownBy(() -> Files.move(dir.resolve("f"), other.getPath("/g"), StandardCopyOption.ATOMIC_MOVE))
                    .isInstanceOf(AtomicMoveNotSupportedException.class);
            Files.move(dir.resolve("f"), other.getPath("/g"));
            assertThat(Files.readAllBytes(local.resolve("inner/g"))).containsExactly(9, 8);
            assertThat(local.resolve("f")).doesNotExist();
            assertThat(provider.getPath(other.getPath("/g").toUri())).isEqualTo(other.getPath("/g"));
        } finally {
            other.close();
        }
    }

    @Test
    void hardLinksAreOneInodeOnTheServer() throws IOException {
        Path base = dir.resolve("base.vhd");
        Files.write(base, random(1000, 6));
        Files.createLink(dir.resolve("leaf.vhd"), base);
        assertThat((Integer) Files.getAttribute(local.resolve("base.vhd"), "unix:nlink")).isEqualTo(2);
        assertThat(Files.isSameFile(local.resolve("base.vhd"), local.resolve("leaf.vhd"))).isTrue();
        assertThat(Files.isSameFile(base, dir.resolve("leaf.vhd"))).isTrue();
        assertThat(Files.isSameFile(base, dir)).isFalse();
        assertThatThrownBy(() -> Files.createLink(dir.resolve("leaf.vhd"), base))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("leaf.vhd");
        assertThatThrownBy(() -> Files.createLink(dir.resolve("x"), dir.resolve("missing")))
                .isInstanceOf(NoSuchFileException.class);
        Files.delete(base);
        assertThat(Files.readAllBytes(local.resolve("leaf.vhd"))).isEqualTo(random(1000, 6));
    }

    @Test
    void relativeSymbolicLinksAreFollowed() throws IOException {
        Files.createDirectory(dir.resolve("real"));
        Files.write(dir.resolve("real/f"), new byte[] {7});
        Files.createSymbolicLink(dir.resolve("alias"), fs.getPath("real"));
        assertThat(Files.readSymbolicLink(local.resolve("alias")).toString()).isEqualTo("real");
        assertThat(Files.readAllBytes(dir.resolve("alias/f"))).containsExactly(7);
        assertThat(Files.isDirectory(dir.resolve("alias"))).isTrue();
        assertThat(Files.isSymbolicLink(dir.resolve("alias"))).isTrue();
        assertThat(dir.resolve("alias/f").toRealPath()).isEqualTo(dir.resolve("real/f"));
        Files.createSymbolicLink(local.resolve("abs"), local.resolve("real"));
        assertThatThrownBy(() -> Files.readAllBytes(dir.resolve("abs/f")))
                .isInstanceOf(FileSystemException.class).hasMessageContaining("absolute");
    }

    // --------------------------------------------------------------------------------------------------------------
    // Attributes, access, space

    @Test
    void attributesAreTheServersView() throws IOException {
        Path file = dir.resolve("f");
        Files.write(file, random(12345, 7));
        BasicFileAttributes nfs = Files.readAttributes(file, BasicFileAttributes.class);
        BasicFileAttributes disk = Files.readAttributes(local.resolve("f"), BasicFileAttributes.class);
        assertThat(nfs.size()).isEqualTo(12345);
        assertThat(nfs.isRegularFile()).isTrue();
        assertThat(nfs.isDirectory()).isFalse();
        assertThat(nfs.lastModifiedTime().toMillis()).isEqualTo(disk.lastModifiedTime().toMillis());
        assertThat(((Nfs3FileAttributes.FileKey) nfs.fileKey()).fileid())
                .isEqualTo((Long) Files.getAttribute(local.resolve("f"), "unix:ino"));
        assertThat(Files.readAttributes(dir, BasicFileAttributes.class).isDirectory()).isTrue();
        assertThat(Files.size(file)).isEqualTo(12345);
        assertThat(Files.isRegularFile(file)).isTrue();
        assertThat(Files.exists(dir.resolve("nope"))).isFalse();
        assertThat(Files.notExists(dir.resolve("nope"))).isTrue();
        assertThatThrownBy(() -> Files.readAttributes(dir.resolve("nope"), BasicFileAttributes.class))
                .isInstanceOf(NoSuchFileException.class);

        FileTime when = FileTime.from(Instant.parse("2021-03-04T05:06:07.123Z"));
        Files.setLastModifiedTime(file, when);
        assertThat(Files.getLastModifiedTime(local.resolve("f")).toMillis()).isEqualTo(when.toMillis());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local.resolve("f"))))
                .isEqualTo("rw-r-----");
        assertThat(Files.getAttribute(file, "posix:permissions")).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        assertThat(Files.readAttributes(file, "size,isRegularFile")).containsEntry("size", 12345L)
                .containsEntry("isRegularFile", true);
        assertThat(Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size())
                .isEqualTo(12345);
    }

    @Test
    void accessIsAskedFromTheServer(Ganesha server) throws IOException {
        Files.write(dir.resolve("f"), new byte[1]);
        assertThat(Files.isWritable(dir)).isTrue();
        assertThat(Files.isReadable(dir.resolve("f"))).isTrue();
        assertThat(Files.isExecutable(dir.resolve("f"))).isFalse();
        Files.createDirectory(local.resolve("private"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        // The same export mounted as an unprivileged user (AUTH_SYS uid/gid 65534).
        Nfs3FileSystemProvider other = new Nfs3FileSystemProvider();
        try (Nfs3FileSystem nobody = other.newFileSystem(server.exportUri(), Map.of("uid", 65534, "gid", 65534))) {
            Path priv = nobody.getPath("/" + dir.getFileName() + "/private");
            assertThat(Files.isWritable(priv)).isFalse();
            assertThatThrownBy(() -> nobody.provider().checkAccess(priv, java.nio.file.AccessMode.WRITE))
                    .isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> Files.createFile(priv.resolve("x"))).isInstanceOf(AccessDeniedException.class);
            assertThatThrownBy(() -> Files.newDirectoryStream(priv).iterator().hasNext())
                    .hasRootCauseInstanceOf(AccessDeniedException.class);
        }
    }

    @Test
    void theFileStoreIsTheExportsFileSystem() throws IOException {
        FileStore nfs = Files.getFileStore(dir);
        FileStore disk = Files.getFileStore(local);
        assertThat(nfs.type()).isEqualTo("nfs3");
        assertThat(nfs.getTotalSpace()).isEqualTo(disk.getTotalSpace());
        long slack = 256L << 20; // other work on this machine writes meanwhile
        assertThat(nfs.getUsableSpace()).isBetween(disk.getUsableSpace() - slack, disk.getUsableSpace() + slack);
        assertThat(nfs.getUnallocatedSpace()).isGreaterThanOrEqualTo(nfs.getUsableSpace());
        assertThatThrownBy(() -> Files.getFileStore(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aMountTheServerRefusesIsTyped(Ganesha server) {
        // ganesha answers MNT3ERR_ACCES, not NOENT, for an export it does not have (NOENT would be NoSuchFile).
        assertThatThrownBy(() -> new Nfs3FileSystemProvider().newFileSystem(
                URI.create("nfs3://127.0.0.1/no/such/export"), Map.of()))
                .isInstanceOf(AccessDeniedException.class).hasMessageContaining("/no/such/export");
        assertThatThrownBy(() -> new Nfs3FileSystemProvider().newFileSystem(
                URI.create(server.exportUri().toString().replace("127.0.0.1", "127.0.0.1:2050")), Map.of()))
                .isInstanceOf(FileSystemException.class).hasMessageContaining("2049");
    }

    @Test
    void theExportListIsWhatShowmountPrints(Ganesha server) throws IOException {
        assertThat(Nfs3Exports.list("127.0.0.1")).extracting(Nfs3Exports.Export::path)
                .contains(server.localExport().toString());
        assertThatThrownBy(() -> Nfs3Exports.list("no-such-server.invalid"))
                .isInstanceOf(Nfs3FileSystemException.class).hasMessageContaining("no-such-server.invalid");
    }

    @Test
    void lookupsReuseDirectoryHandles() throws IOException {
        Files.createDirectories(dir.resolve("x/y/z"));
        Path f = dir.resolve("x/y/z/f.vhd");
        Files.write(f, new byte[] {1});
        long before = fs.rpcCount();
        List<Boolean> exists = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            exists.add(Files.exists(f));
        }
        assertThat(exists).containsOnly(true);
        assertThat(fs.rpcCount() - before).as("one LOOKUP per exists() once the directory is cached").isEqualTo(10);
    }
}
