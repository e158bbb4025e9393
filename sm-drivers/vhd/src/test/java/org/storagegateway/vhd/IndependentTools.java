package org.storagegateway.vhd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readers of VHD files that share no code with the gateway: libvhdi through its Debian Python binding, and qemu-img.
 * Shared with the driver tests and the itests through this module's test jar.
 */
public final class IndependentTools {
    /** The Debian interpreter: the one on PATH may be a pyenv build without python3-libvhdi. */
    public static final String PYTHON = "/usr/bin/python3";

    /**
     * Opens the leaf with libvhdi, follows the header's parent file name (next to the child) up to the root, attaches
     * every ancestor with set_parent, and prints the chain depth, media size and SHA-256 of the whole media.
     */
    private static final String READ_CHAIN = """
            import hashlib, os, sys, pyvhdi
            leaf = sys.argv[1]
            files = []
            path = leaf
            while True:
                f = pyvhdi.file()
                f.open(path)
                files.append(f)
                if f.get_disk_type() != 4:
                    break
                name = f.get_parent_filename().replace('\\\\', '/').split('/')[-1]
                path = os.path.join(os.path.dirname(path), name)
            for child, parent in zip(files, files[1:]):
                child.set_parent(parent)
            size = files[0].get_media_size()
            offset = int(sys.argv[2]) if len(sys.argv) > 2 else 0
            end = offset + int(sys.argv[3]) if len(sys.argv) > 3 else size
            digest = hashlib.sha256()
            while offset < end:
                n = min(1 << 20, end - offset)
                digest.update(files[0].read_buffer_at_offset(n, offset))
                offset += n
            print(len(files), size, digest.hexdigest())
            """;

    private IndependentTools() {
    }

    /** What libvhdi reads for one leaf. */
    public record LibvhdiReading(int depth, long mediaSize, String sha256) {
    }

    public static boolean libvhdiAvailable() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        try {
            return run(List.of(PYTHON, "-c", "import pyvhdi")).exitCode() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean qemuImgAvailable() {
        try {
            return run(List.of("qemu-img", "--version")).exitCode() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static LibvhdiReading readWithLibvhdi(Path leaf) throws IOException {
        return libvhdi(leaf, List.of());
    }

    private static LibvhdiReading libvhdi(Path leaf, List<String> range) throws IOException {
        List<String> command = new ArrayList<>(List.of(PYTHON, "-c", READ_CHAIN, leaf.toString()));
        command.addAll(range);
        Result r = run(command);
        if (r.exitCode() != 0) {
            throw new AssertionError("libvhdi could not read " + leaf + ": " + r.output());
        }
        String[] words = r.output().trim().split("\\s+");
        return new LibvhdiReading(Integer.parseInt(words[0]), Long.parseLong(words[1]), words[2]);
    }

    /**
     * What libvhdi reads for one leaf in {@code [offset, offset + length)}: the chain depth, the whole media size, and
     * the SHA-256 of that range only (for disks too large to hash whole in a test).
     */
    public static LibvhdiReading readRangeWithLibvhdi(Path leaf, long offset, long length) throws IOException {
        return libvhdi(leaf, List.of(Long.toString(offset), Long.toString(length)));
    }

    /** The {@code virtual-size} and {@code format} that {@code qemu-img info -f vpc --output=json} reports. */
    public record QemuInfo(String format, long virtualSize) {
    }

    public static QemuInfo qemuImgInfo(Path file) throws IOException {
        Result r = run(List.of("qemu-img", "info", "-f", "vpc", "--output=json", file.toString()));
        if (r.exitCode() != 0) {
            throw new AssertionError("qemu-img info failed on " + file + ": " + r.output());
        }
        return new QemuInfo(field(r.output(), "\"format\":\\s*\"([^\"]+)\""),
                Long.parseLong(field(r.output(), "\"virtual-size\":\\s*(\\d+)")));
    }

    /**
     * Whether {@code qemu-img compare -f vpc -F raw} finds a VHD's content equal to a raw image, over the whole virtual
     * size (QEMU's vpc driver reads dynamic and fixed VHDs, not differencing ones).
     */
    public static boolean qemuImgIdentical(Path vhd, Path raw) throws IOException {
        Result r = run(List.of("qemu-img", "compare", "-f", "vpc", "-F", "raw", vhd.toString(), raw.toString()));
        if (r.exitCode() > 1) {
            throw new AssertionError("qemu-img compare failed on " + vhd + ": " + r.output());
        }
        return r.exitCode() == 0;
    }

    private static String field(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        if (!m.find()) {
            throw new AssertionError("no " + regex + " in " + json);
        }
        return m.group(1);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command.get(0));
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }
}
