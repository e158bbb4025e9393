package org.storagegateway.persistence;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secret values with AES-256-GCM. The stored form is {@code version (1 byte) || IV (12 random bytes) ||
 * ciphertext || tag (16 bytes)}. Associated data binds a value to where it is stored, so a ciphertext copied to
 * another row fails to decrypt. Thread-safe. Never logs or prints values or the key.
 */
final class SecretCipher {

    /** The length of the key the caller passes, in bytes (AES-256). */
    static final int KEY_LENGTH = 32;

    private static final byte FORMAT_VERSION = 1;
    private static final int IV_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    SecretCipher(byte[] keyBytes) {
        if (keyBytes == null || keyBytes.length != KEY_LENGTH) {
            throw new IllegalArgumentException("The secret key must be " + KEY_LENGTH + " bytes (AES-256)");
        }
        this.key = new SecretKeySpec(keyBytes, "AES"); // copies the bytes
        try {
            Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK does not offer " + TRANSFORMATION, e);
        }
    }

    /** Return the stored form of {@code plaintext}, bound to {@code associatedData}. */
    byte[] encrypt(String plaintext, String associatedData) {
        byte[] clear = plaintext.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] iv = new byte[IV_LENGTH];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(clear);
            byte[] out = new byte[1 + IV_LENGTH + sealed.length];
            out[0] = FORMAT_VERSION;
            System.arraycopy(iv, 0, out, 1, IV_LENGTH);
            System.arraycopy(sealed, 0, out, 1 + IV_LENGTH, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Encrypting a secret value failed", e);
        } finally {
            Arrays.fill(clear, (byte) 0);
        }
    }

    /**
     * Return the plaintext of {@code stored}.
     *
     * @throws GeneralSecurityException if the key is not the one the value was encrypted with, the value or its
     *         associated data were altered, or the stored form is not one this class wrote
     */
    String decrypt(byte[] stored, String associatedData) throws GeneralSecurityException {
        if (stored == null || stored.length < 1 + IV_LENGTH + TAG_BITS / 8 || stored[0] != FORMAT_VERSION) {
            throw new GeneralSecurityException("Not an encrypted value of format version " + FORMAT_VERSION);
        }
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 1, IV_LENGTH));
        cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
        byte[] clear = cipher.doFinal(stored, 1 + IV_LENGTH, stored.length - 1 - IV_LENGTH);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(clear));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new GeneralSecurityException("The decrypted value is not UTF-8", e);
        } finally {
            Arrays.fill(clear, (byte) 0);
        }
    }

    /** Return the stored length of a value whose UTF-8 form has {@code plaintextBytes} bytes. */
    static int storedLength(int plaintextBytes) {
        return 1 + IV_LENGTH + plaintextBytes + TAG_BITS / 8;
    }
}
