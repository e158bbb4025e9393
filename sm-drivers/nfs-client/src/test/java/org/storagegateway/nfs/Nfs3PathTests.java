package org.storagegateway.nfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lexical path, URI and glob behaviour, against the JDK's Unix paths where they should agree. No server needed. */
class Nfs3PathTests {

    private Nfs3FileSystemProvider provider;
    private Nfs3FileSystem fs;

    @BeforeEach
    void unconnectedMount() throws IOException {
        provider = new Nfs3FileSystemProvider();
        fs = provider.unconnected(URI.create("nfs3://Filer.example:2049/srv/nfs/sr"));
    }

    @Test
    void parsesLikeUnixPaths() {
        for (String s : new String[] {"/", "/a", "/a/b", "a/b", "a//b/", "/a/./b/../c", "../x", "", "a/../../b"}) {
            Path unix = Path.of(s);
            Nfs3Path p = fs.getPath(s);
            assertThat(p.toString()).as(s).isEqualTo(unix.toString());
            assertThat(p.isAbsolute()).as(s).isEqualTo(unix.isAbsolute());
            assertThat(p.getNameCount()).as(s).isEqualTo(unix.getNameCount());
            assertThat(p.normalize().toString()).as(s).isEqualTo(unix.normalize().toString());
            assertThat(String.valueOf(p.getFileName())).as(s).isEqualTo(String.valueOf(unix.getFileName()));
            assertThat(String.valueOf(p.getParent())).as(s).isEqualTo(String.valueOf(unix.getParent()));
        }
        assertThat(fs.getPath("/a", "b", "", "c").toString()).isEqualTo("/a/b/c");
    }

    @Test
    void resolvesAndRelativizesLikeUnixPaths() {
        assertThat(fs.getPath("/sr").resolve("x.vhd").toString()).isEqualTo("/sr/x.vhd");
        assertThat(fs.getPath("/sr").resolve("/other").toString()).isEqualTo("/other");
        assertThat(fs.getPath("/sr/x.vhd").resolveSibling("y.vhd").toString()).isEqualTo("/sr/y.vhd");
        assertThat(fs.getPath("/a/b").relativize(fs.getPath("/a/c/d")).toString())
                .isEqualTo(Path.of("/a/b").relativize(Path.of("/a/c/d")).toString());
        assertThat(fs.getPath("/a/b/c").startsWith(fs.getPath("/a/b"))).isTrue();
        assertThat(fs.getPath("/a/bc").startsWith(fs.getPath("/a/b"))).isFalse();
        assertThat(fs.getPath("/a/b/c").endsWith(fs.getPath("b/c"))).isTrue();
        assertThat(fs.getPath("/a/b/c").subpath(1, 3).toString()).isEqualTo("b/c");
        assertThat(fs.getPath("x").toAbsolutePath().toString()).isEqualTo("/x");
        assertThat(fs.getPath("/a/b")).isEqualTo(fs.getPath("/a//b/")).hasSameHashCodeAs(fs.getPath("/a/b"));
        assertThatThrownBy(() -> fs.getPath("/a").resolve(Path.of("b"))).isInstanceOf(ProviderMismatchException.class);
    }

    @Test
    void urisNameServerExportAndPath() {
        Nfs3Path p = fs.getPath("/3f2a/disk one.vhd");
        URI uri = p.toUri();
        assertThat(uri.getScheme()).isEqualTo("nfs3");
        assertThat(uri.getHost()).isEqualTo("filer.example");
        assertThat(uri.getPort()).isEqualTo(2049);
        assertThat(uri.getPath()).isEqualTo("/srv/nfs/sr/3f2a/disk one.vhd");
        assertThat(provider.getPath(uri)).isEqualTo(p);
        assertThat(provider.getPath(URI.create("nfs3://filer.example:2049/srv/nfs/sr"))).isEqualTo(fs.getPath("/"));
        assertThat(fs.getPath("/").toUri().getPath()).isEqualTo("/srv/nfs/sr");
        assertThat(provider.getFileSystem(URI.create("nfs3://filer.example:2049/srv/nfs/sr/"))).isSameAs(fs);
    }

    @Test
    void theLongestMountedExportWinsAndUnmountedOnesAreNotFound() throws IOException {
        Nfs3FileSystem inner = provider.unconnected(URI.create("nfs3://filer.example:2049/srv/nfs/sr/inner"));
        assertThat(provider.getPath(URI.create("nfs3://filer.example:2049/srv/nfs/sr/inner/a")).getFileSystem())
                .isSameAs(inner);
        assertThat(provider.getPath(URI.create("nfs3://filer.example:2049/srv/nfs/sr/innerx")).getFileSystem())
                .isSameAs(fs);
        assertThatThrownBy(() -> provider.getPath(URI.create("nfs3://filer.example:2049/srv/other/a")))
                .isInstanceOf(FileSystemNotFoundException.class);
        assertThatThrownBy(() -> provider.getPath(URI.create("nfs3://filer.example/srv/nfs/sr/a")))
                .as("another port is another server").isInstanceOf(FileSystemNotFoundException.class);
        assertThatThrownBy(() -> provider.getPath(URI.create("file:///srv/nfs/sr/a")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> provider.newFileSystem(URI.create("nfs3://filer.example:2049/srv/nfs/sr"), null))
                .isInstanceOf(FileSystemAlreadyExistsException.class);
        inner.close();
        assertThat(provider.getPath(URI.create("nfs3://filer.example:2049/srv/nfs/sr/inner/a")).getFileSystem())
                .isSameAs(fs);
    }

    @Test
    void globsMatchFileNamesLikeTheDefaultFileSystem() {
        String[][] cases = {
            {"*.vhd", "a.vhd", "a.vhd.tmp", ".vhd", "x/a.vhd"},
            {"coalesce-*.journal", "coalesce-1.journal", "coalesce-.journal", "coalesce.journal"},
            {"{a,b}?.[0-9]", "a1.5", "bb.x", "c1.5", "b..0"},
            {"[!a-c]*", "d", "a", "zz"},
            {"**/*.vhd", "x/y.vhd", "y.vhd", "x/y/z.vhd"},
            {"a\\*b", "a*b", "axb"},
        };
        for (String[] c : cases) {
            PathMatcher ours = fs.getPathMatcher("glob:" + c[0]);
            PathMatcher jdk = java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + c[0]);
            for (int i = 1; i < c.length; i++) {
                assertThat(ours.matches(fs.getPath(c[i]))).as("%s ~ %s", c[0], c[i])
                        .isEqualTo(jdk.matches(Path.of(c[i])));
            }
        }
        assertThat(fs.getPathMatcher("regex:[0-9a-f-]{36}\\.vhd")
                .matches(fs.getPath("0b3c4d5e-0000-1111-2222-333344445555.vhd"))).isTrue();
    }

    @Test
    void pathsOfAnUnconnectedMountRefuseIo() {
        assertThatThrownBy(() -> java.nio.file.Files.exists(fs.getPath("/x")) )
                .isInstanceOf(IllegalStateException.class);
    }
}
