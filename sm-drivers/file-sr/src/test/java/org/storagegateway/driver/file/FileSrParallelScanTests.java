package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.model.RepositoryConfig;
import org.storagegateway.spi.model.VdiInfo;

/** An activated driver scans large SRs on its own reader threads, with the same result as a sequential scan. */
class FileSrParallelScanTests {

    @TempDir
    Path location;

    @Test
    void parallelScanReportsWhatASequentialScanReportsAndStillSkipsDamagedFiles() throws Exception {
        FileSr sr = FileSr.created(location);
        for (int i = 0; i < 40; i++) {
            String leaf = sr.createVdi(4 * MIB).uuid();
            sr.write(leaf, i * 512L, FileSr.pattern(512, i));
            sr.view().cloneVdi(FileSr.copyOf(leaf));
        }
        Files.write(sr.folder().resolve(FileSr.newUuid() + ".vhd"), new byte[4096]);
        List<VdiInfo> sequential = sr.view().scan();
        assertThat(sequential).hasSize(120);

        FileSrDriverFactory activated = new FileSrDriverFactory();
        activated.activate();
        try {
            List<VdiInfo> parallel = activated.open(new RepositoryConfig(sr.srUuid, "name",
                    Map.of("path", location.toString())), sr.context).scan();
            assertThat(parallel).containsExactlyElementsOf(sequential);
        } finally {
            activated.deactivate();
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("reader threads stop with the component")
                .noneMatch(t -> t.getName().startsWith("file-sr-metadata-") && t.isAlive()
                        && !t.getState().equals(Thread.State.TERMINATED) && waitedOut(t));
    }

    private static boolean waitedOut(Thread thread) {
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return thread.isAlive();
    }
}
