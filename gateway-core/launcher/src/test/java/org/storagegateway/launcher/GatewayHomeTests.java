package org.storagegateway.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayHomeTests {

    @Test
    void storeKeyIsGeneratedOncePrivateAndReused(@TempDir Path root) throws IOException {
        GatewayHome home = new GatewayHome(root).prepare();
        byte[] first = home.loadOrCreateStoreKey();
        assertThat(first).hasSize(32);
        assertThat(Files.getPosixFilePermissions(home.storeKey()))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(home.loadOrCreateStoreKey()).isEqualTo(first);
    }

    @Test
    void aDamagedStoreKeyIsRefusedRatherThanReplaced(@TempDir Path root) throws IOException {
        GatewayHome home = new GatewayHome(root).prepare();
        Files.write(home.storeKey(), new byte[7]);
        assertThatThrownBy(home::loadOrCreateStoreKey).isInstanceOf(IOException.class).hasMessageContaining("32 bytes");
    }

    @Test
    void secondGatewayOnTheSameHomeIsRefusedWhileTheFirstRuns(@TempDir Path root) throws IOException {
        GatewayHome home = new GatewayHome(root).prepare();
        FileLock held = home.lock();
        assertThatThrownBy(home::lock).isInstanceOf(IOException.class)
                .hasMessageContaining("Another gateway is running");
        held.channel().close();
        FileLock again = home.lock();
        assertThat(again.isValid()).isTrue();
        again.channel().close();
    }

    @Test
    void prepareCreatesTheLayoutAndKeepsWhatExists(@TempDir Path root) throws IOException {
        GatewayHome home = new GatewayHome(root).prepare();
        Files.writeString(home.deploy().resolve("keep.txt"), "x");
        new GatewayHome(root).prepare();
        assertThat(home.deploy().resolve("keep.txt")).hasContent("x");
        assertThat(home.localStorage()).isDirectory();
    }
}
