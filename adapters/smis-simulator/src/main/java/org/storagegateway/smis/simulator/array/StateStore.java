package org.storagegateway.smis.simulator.array;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The array state in {@code <state>/array.json}, replaced atomically on every change. */
public final class StateStore {
    public static final String FILE_NAME = "array.json";

    private final Path file;
    private final ObjectMapper mapper = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public StateStore(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** The stored state, or null when there is none yet. */
    public ArrayState load() throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        ArrayState state = mapper.readValue(file.toFile(), ArrayState.class);
        if (state.format() != ArrayState.FORMAT) {
            throw new IOException(file + " has format " + state.format() + "; this simulator reads format "
                    + ArrayState.FORMAT);
        }
        return state;
    }

    public void save(ArrayState state) throws IOException {
        AtomicFiles.write(file, mapper.writeValueAsBytes(state), false);
    }
}
