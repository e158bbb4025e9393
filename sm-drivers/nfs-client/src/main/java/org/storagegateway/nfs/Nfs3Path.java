package org.storagegateway.nfs;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A path on one NFS export. The root {@code /} is the export's root directory; a path prints relative to it
 * ({@code /sr/disk.vhd}) and its URI is {@code nfs3://host[:port]/export/sr/disk.vhd}.
 *
 * <p>Purely lexical, like {@code UnixPath}: nothing here talks to the server except {@link #toRealPath}.
 */
public final class Nfs3Path implements Path {

    private static final String[] NO_NAMES = new String[0];

    private final Nfs3FileSystem fs;
    private final boolean absolute;
    private final String[] names;
    private volatile String string;

    Nfs3Path(Nfs3FileSystem fs, boolean absolute, String[] names) {
        this.fs = fs;
        this.absolute = absolute;
        this.names = names;
    }

    /** Parses a '/'-separated path: repeated separators collapse, a trailing one is dropped. */
    static Nfs3Path parse(Nfs3FileSystem fs, String first, String... more) {
        StringBuilder sb = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append('/');
                }
                sb.append(m);
            }
        }
        String s = sb.toString();
        if (s.indexOf('\0') >= 0) {
            throw new java.nio.file.InvalidPathException(s, "Nul character not allowed");
        }
        boolean abs = s.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String p : s.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return new Nfs3Path(fs, abs, parts.toArray(NO_NAMES));
    }

    String[] names() {
        return names;
    }

    @Override
    public Nfs3FileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public Nfs3Path getRoot() {
        return absolute ? fs.root() : null;
    }

    /** The empty path "" (relative, no names): like the JDK's, it counts as one empty name. */
    private boolean isEmptyPath() {
        return !absolute && names.length == 0;
    }

    @Override
    public Nfs3Path getFileName() {
        if (isEmptyPath()) {
            return this;
        }
        if (names.length == 0) {
            return null;
        }
        if (names.length == 1 && !absolute) {
            return this;
        }
        return new Nfs3Path(fs, false, new String[] {names[names.length - 1]});
    }

    @Override
    public Nfs3Path getParent() {
        if (names.length == 0 || (names.length == 1 && !absolute)) {
            return null;
        }
        return new Nfs3Path(fs, absolute, Arrays.copyOf(names, names.length - 1));
    }

    @Override
    public int getNameCount() {
        return isEmptyPath() ? 1 : names.length;
    }

    @Override
    public Nfs3Path getName(int index) {
        if (isEmptyPath() && index == 0) {
            return this;
        }
        if (index < 0 || index >= names.length) {
            throw new IllegalArgumentException("index " + index + " of " + names.length);
        }
        return new Nfs3Path(fs, false, new String[] {names[index]});
    }

    @Override
    public Nfs3Path subpath(int beginIndex, int endIndex) {
        if (isEmptyPath() && beginIndex == 0 && endIndex == 1) {
            return this;
        }
        if (beginIndex < 0 || endIndex > names.length || beginIndex >= endIndex) {
            throw new IllegalArgumentException("subpath(" + beginIndex + ", " + endIndex + ") of " + names.length);
        }
        return new Nfs3Path(fs, false, Arrays.copyOfRange(names, beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof Nfs3Path o) || o.fs != fs || o.absolute != absolute || o.names.length > names.length) {
            return false;
        }
        for (int i = 0; i < o.names.length; i++) {
            if (!o.names[i].equals(names[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof Nfs3Path o) || o.fs != fs || o.names.length > names.length) {
            return false;
        }
        if (o.absolute) {
            return equals(o);
        }
        int shift = names.length - o.names.length;
        for (int i = 0; i < o.names.length; i++) {
            if (!o.names[i].equals(names[shift + i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Nfs3Path normalize() {
        List<String> out = new ArrayList<>(names.length);
        boolean changed = false;
        for (String n : names) {
            if (n.equals(".")) {
                changed = true;
            } else if (n.equals("..")) {
                if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                    out.remove(out.size() - 1);
                    changed = true;
                } else if (absolute) {
                    changed = true; // "/.." is "/"
                } else {
                    out.add(n);
                }
            } else {
                out.add(n);
            }
        }
        return changed ? new Nfs3Path(fs, absolute, out.toArray(NO_NAMES)) : this;
    }

    @Override
    public Nfs3Path resolve(Path other) {
        Nfs3Path o = check(other);
        if (o.absolute) {
            return o;
        }
        if (o.names.length == 0) {
            return this;
        }
        String[] joined = Arrays.copyOf(names, names.length + o.names.length);
        System.arraycopy(o.names, 0, joined, names.length, o.names.length);
        return new Nfs3Path(fs, absolute, joined);
    }

    @Override
    public Nfs3Path resolve(String other) {
        return resolve(parse(fs, other));
    }

    @Override
    public Nfs3Path resolveSibling(String other) {
        Nfs3Path parent = getParent();
        return parent == null ? parse(fs, other) : parent.resolve(other);
    }

    @Override
    public Nfs3Path relativize(Path other) {
        Nfs3Path o = check(other);
        if (o.absolute != absolute) {
            throw new IllegalArgumentException("'other' is different type of Path");
        }
        if (equals(o)) {
            return new Nfs3Path(fs, false, NO_NAMES);
        }
        int common = 0;
        while (common < names.length && common < o.names.length && names[common].equals(o.names[common])) {
            common++;
        }
        List<String> out = new ArrayList<>();
        for (int i = common; i < names.length; i++) {
            out.add("..");
        }
        out.addAll(Arrays.asList(o.names).subList(common, o.names.length));
        return new Nfs3Path(fs, false, out.toArray(NO_NAMES));
    }

    @Override
    public URI toUri() {
        String p = fs.exportPath() + toAbsolutePath().toString();
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        try {
            return new URI(Nfs3FileSystemProvider.SCHEME, null, fs.host(), fs.uriPort(), p, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot form a URI for " + this, e);
        }
    }

    @Override
    public Nfs3Path toAbsolutePath() {
        return absolute ? this : new Nfs3Path(fs, true, names);
    }

    @Override
    public Nfs3Path toRealPath(LinkOption... options) throws IOException {
        return fs.client().realPath(toAbsolutePath().normalize(), Nfs3FileSystemProvider.followLinks(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("NFSv3 has no change notification");
    }

    @Override
    public int compareTo(Path other) {
        return toString().compareTo(check(other).toString());
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof Nfs3Path o && o.fs == fs && o.absolute == absolute && Arrays.equals(o.names, names);
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(fs), absolute, Arrays.hashCode(names));
    }

    @Override
    public String toString() {
        String s = string;
        if (s == null) {
            s = (absolute ? "/" : "") + String.join("/", names);
            string = s;
        }
        return s;
    }

    private Nfs3Path check(Path other) {
        Objects.requireNonNull(other, "other");
        if (!(other instanceof Nfs3Path o)) {
            throw new ProviderMismatchException("not an nfs3 path: " + other);
        }
        if (o.fs != fs) {
            throw new ProviderMismatchException("path of another nfs3 file system: " + o.toUri());
        }
        return o;
    }
}
