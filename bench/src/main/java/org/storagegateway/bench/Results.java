package org.storagegateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Figures for run.sh's summary: each is printed as a {@code RESULT} line and, when {@code -Dbench.results=FILE} is set,
 * appended to that file as tab-separated {@code key value unit note}.
 */
final class Results {
    private Results() {
    }

    static void record(String key, double value, String unit, String note) {
        String line = String.format(Locale.ROOT, "%s\t%.3f\t%s\t%s", key, value, unit, note);
        System.out.println("RESULT " + line.replace('\t', ' '));
        String file = System.getProperty("bench.results");
        if (file != null && !file.isBlank()) {
            try {
                Files.writeString(Path.of(file), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static int intProperty(String name, int fallback) {
        return Integer.getInteger(name, fallback);
    }

    static Path tmpRoot() throws IOException {
        Path root = Path.of(System.getProperty("bench.tmp", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(root);
        return root;
    }

    /** Delete a tree, quietly; benchmark leftovers must not fill the disk. */
    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
