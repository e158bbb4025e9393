package org.storagegateway.driver.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.storagegateway.driver.file.FileSr.MIB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;
import org.storagegateway.spi.StorageRepository;
import org.storagegateway.spi.model.CreateVdiRequest;
import org.storagegateway.spi.model.RepositoryConfig;

/** Admission control: an operation that would eat into the SR's headroom is refused before it changes anything. */
class FileSrHeadroomTests {

    @TempDir
    Path location;

    @Test
    void copiesAndCreatesThatWouldLeaveLessThanTheHeadroomAreRefusedAndChangeNothing() throws Exception {
        FileSr sr = FileSr.created(location);
        String a = sr.createVdi(8 * MIB).uuid();
        sr.write(a, 0, FileSr.pattern(4096, 1));
        long free = Files.getFileStore(location).getUsableSpace();
        StorageRepository tight = sr.factory.open(new RepositoryConfig(sr.srUuid, "name",
                Map.of("path", location.toString(), "headroom-bytes", Long.toString(free + (1L << 30)))), sr.context);
        SortedSet<String> before = sr.listing();

        StorageException copy = FileSr.failure(StandardErrorCode.INSUFFICIENT_SPACE,
                () -> tight.cloneVdi(FileSr.copyOf(a)));
        StorageException create = FileSr.failure(StandardErrorCode.INSUFFICIENT_SPACE,
                () -> tight.createVdi(new CreateVdiRequest("k", FileSr.newUuid(), 4 * MIB)));

        assertThat(copy.getMessage()).contains("headroom", "headroom-bytes");
        assertThat(create.getMessage()).contains("headroom");
        assertThat(sr.listing()).isEqualTo(before);
    }

    @Test
    void aHeadroomThatIsNotANumberIsRefused() {
        FileSr sr = FileSr.created(location);
        FileSr.failure(StandardErrorCode.INVALID_ARGUMENT, () -> sr.factory.open(new RepositoryConfig(sr.srUuid,
                "name", Map.of("path", location.toString(), "headroom-bytes", "lots")), sr.context));
    }
}
