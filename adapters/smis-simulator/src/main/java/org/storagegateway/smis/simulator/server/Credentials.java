package org.storagegateway.smis.simulator.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import org.storagegateway.smis.simulator.array.AtomicFiles;

/**
 * The one user the simulator accepts. There is no default password: it comes from a file the operator names, or
 * is generated once into {@code <state>/password} (mode 0600) and reused on later starts.
 */
public final class Credentials {
    /** The generated password's file in the state directory. */
    public static final String PASSWORD_FILE = "password";
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final String user;
    private final String password;
    private final Path passwordFile;

    private Credentials(String user, String password, Path passwordFile) {
        this.user = user;
        this.password = password;
        this.passwordFile = passwordFile;
    }

    /**
     * @param passwordFile a file whose first line is the password, or null to use (or generate) the state
     *                     directory's
     */
    public static Credentials resolve(String user, Path passwordFile, Path stateDir) throws IOException {
        if (user == null || user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("the user name must be non-empty and hold no ':'");
        }
        if (passwordFile != null) {
            return new Credentials(user, readPassword(passwordFile), passwordFile);
        }
        Path generated = stateDir.resolve(PASSWORD_FILE);
        if (Files.exists(generated)) {
            return new Credentials(user, readPassword(generated), generated);
        }
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        AtomicFiles.write(generated, (sb + "\n").getBytes(StandardCharsets.UTF_8), true);
        return new Credentials(user, sb.toString(), generated);
    }

    private static String readPassword(Path file) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int eol = content.indexOf('\n');
        String password = (eol < 0 ? content : content.substring(0, eol)).strip();
        if (password.isEmpty()) {
            throw new IOException("the password file " + file + " is empty");
        }
        return password;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** Where the password is kept. */
    public Path passwordFile() {
        return passwordFile;
    }

    /** Check an {@code Authorization} header value; only Basic is accepted. Compares in constant time. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(decoded, expected);
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=(" + passwordFile + ")]";
    }
}
