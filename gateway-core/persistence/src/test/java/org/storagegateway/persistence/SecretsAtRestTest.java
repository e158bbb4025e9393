package org.storagegateway.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

class SecretsAtRestTest {
    private static final String PLAINTEXT = "Pl41ntext-Secret-Value-7f3a9c";

    @RegisterExtension
    final StoreExtension store = new StoreExtension();

    @Test
    void secretValuesAreEncryptedInTheDatabaseWithAFreshIvEach() throws Exception {
        store.use(tx -> {
            tx.repositories().save(Records.sr("sr1", Records.T0));
            tx.repositories().save(Records.sr("sr2", Records.T0));
            tx.repositories().saveSecrets("sr1", Map.of("password", PLAINTEXT));
            tx.repositories().saveSecrets("sr2", Map.of("password", PLAINTEXT));
        });

        List<byte[]> ciphertexts = store.withClosedDatabase(c -> {
            List<byte[]> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT CIPHERTEXT FROM SR_SECRET ORDER BY SR_UUID");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(r.getBytes(1));
                }
            }
            return rows;
        });

        byte[] clear = PLAINTEXT.getBytes(StandardCharsets.UTF_8);
        assertThat(ciphertexts).hasSize(2);
        for (byte[] ciphertext : ciphertexts) {
            assertThat(indexOf(ciphertext, clear)).isEqualTo(-1);
            assertThat(ciphertext.length).isEqualTo(1 + 12 + clear.length + 16);
            assertThat(ciphertext[0]).isEqualTo((byte) 1);
        }
        assertThat(Arrays.copyOfRange(ciphertexts.get(0), 1, 13))
                .as("random IV per value").isNotEqualTo(Arrays.copyOfRange(ciphertexts.get(1), 1, 13));
        // Nor anywhere in the files: not in the data pages, the transaction log or derby.log.
        assertThat(filesContaining(store.directory(), clear)).isEmpty();
        assertThat(filesContaining(store.directory(), "/srv/sr".getBytes(StandardCharsets.UTF_8)))
                .as("positive control: the non-secret device-config is found by the same scan").isNotEmpty();
    }

    @Test
    void openingWithAnotherKeyFailsClearlyAndLeavesTheDatabaseUsable() {
        store.use(tx -> {
            tx.repositories().save(Records.sr("sr1", Records.T0));
            tx.repositories().saveSecrets("sr1", Map.of("password", PLAINTEXT));
        });
        store.close();

        assertThatThrownBy(() -> DerbyGatewayStore.open(store.directory(), StoreExtension.randomKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret key is not the one");

        store.reopen();
        Map<String, String> secrets = store.tx(tx -> tx.repositories().secrets("sr1"));
        assertThat(secrets).containsEntry("password", PLAINTEXT);
    }

    @Test
    void rejectsKeysThatAreNot32Bytes() {
        assertThatThrownBy(() -> DerbyGatewayStore.open(store.directory().resolveSibling("other"), new byte[16]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> DerbyGatewayStore.open(store.directory().resolveSibling("other"), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCiphertextMovedToAnotherRowFailsToDecryptWithoutRevealingAnything() throws Exception {
        store.use(tx -> {
            tx.repositories().save(Records.sr("sr1", Records.T0));
            tx.repositories().saveSecrets("sr1", Map.of("password", PLAINTEXT, "token", "other-secret"));
        });
        store.withClosedDatabase(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE SR_SECRET SET CIPHERTEXT ="
                    + " (SELECT CIPHERTEXT FROM SR_SECRET WHERE CONFIG_KEY = 'password') WHERE CONFIG_KEY = 'token'")) {
                return s.executeUpdate();
            }
        });
        store.reopen();

        assertThatThrownBy(() -> store.tx(tx -> tx.repositories().secrets("sr1")))
                .isInstanceOfSatisfying(StorageException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(StandardErrorCode.INTERNAL_ERROR);
                    assertThat(e.getMessage()).contains("'token'", "sr1").doesNotContain(PLAINTEXT, "other-secret");
                });
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static List<Path> filesContaining(Path directory, byte[] needle) throws IOException {
        // Derby stores VARCHAR data in modified UTF-8, which equals UTF-8 for this ASCII text.
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    return indexOf(Files.readAllBytes(f), needle) >= 0;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }
}
