package org.storagegateway.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.launcher.GatewayRuntime;
import org.storagegateway.nfs.Ganesha;
import org.storagegateway.nfs.GaneshaExtension;

/**
 * sr-probe for NFS through SOAP (zeep), as XenServer's {@code xe sr-probe type=nfs}: with only {@code server} the
 * server's exports, with {@code server} and {@code serverpath} the SRs stored there, and a typed fault for a path the
 * server does not export.
 */
@ExtendWith(GaneshaExtension.class)
class NfsProbeIT {

    @Test
    void probeListsTheExportThenTheSrCreatedOnIt(Ganesha ganesha, @TempDir Path home) throws Exception {
        String export = ganesha.localExport().toString();
        try (GatewayRuntime gateway = GatewayFixture.startDefault(home); ZeepClient zeep = GatewayFixture.zeep(gateway)) {
            JsonNode exports = zeep.call("probeStorageRepository", Map.of("type", "nfs",
                    "deviceConfig", Map.of("server", "127.0.0.1")));
            assertThat(entries(exports)).anySatisfy(entry -> {
                assertThat(entry.get("kind").asText()).isEqualTo("EXPORT");
                assertThat(entry.get("id").asText()).isEqualTo(export);
                assertThat(entry.get("attributes").get("server").asText()).isEqualTo("127.0.0.1");
            });

            String srUuid = zeep.call("createStorageRepository", Map.of("type", "nfs", "nameLabel", "probed",
                    "deviceConfig", Map.of("server", "127.0.0.1", "serverpath", export))).get("uuid").asText();

            int srCount = zeep.call("listStorageRepositories", Map.of()).size();
            JsonNode srs = zeep.call("probeStorageRepository", Map.of("type", "nfs",
                    "deviceConfig", Map.of("server", "127.0.0.1", "serverpath", export)));
            assertThat(entries(srs)).anySatisfy(entry -> {
                assertThat(entry.get("kind").asText()).isEqualTo("STORAGE_REPOSITORY");
                assertThat(entry.get("id").asText()).isEqualTo(srUuid);
                assertThat(entry.get("attributes").get("serverpath").asText()).isEqualTo(export);
            });
            assertThat(zeep.call("listStorageRepositories", Map.of())).as("probing creates no SR").hasSize(srCount);

            assertThatThrownBy(() -> zeep.call("probeStorageRepository", Map.of("type", "nfs",
                    "deviceConfig", Map.of("server", "127.0.0.1", "serverpath", "/no/such/export"))))
                    .isInstanceOfSatisfying(ZeepClient.SoapFault.class, fault -> {
                        assertThat(fault.type()).isEqualTo("UserFault");
                        assertThat(fault.name()).isEqualTo("NFS_EXPORT_NOT_FOUND");
                        assertThat(fault.faultMessage()).contains(export);
                    });
        }
    }

    /** The probe's answer as a list; zeep reads an empty answer as null. */
    private static List<JsonNode> entries(JsonNode answer) {
        List<JsonNode> list = new ArrayList<>();
        answer.forEach(list::add);
        return list;
    }
}
