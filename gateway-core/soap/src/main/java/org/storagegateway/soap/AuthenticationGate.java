package org.storagegateway.soap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first Jetty handler of the SOAP server: it answers every request without valid HTTP Basic credentials for user
 * {@code admin} with a plain HTTP 401 and {@code WWW-Authenticate: Basic realm="storage-gateway"} (the WSDL and schema
 * downloads included), and refuses a body whose declared length is over the limit with HTTP 413. Any other request it
 * declines, and the CXF context after it in the server's handler sequence handles it.
 *
 * <p>The check hashes the presented {@code user:password} with SHA-256 and compares the digests with
 * {@link MessageDigest#isEqual}, so its time depends neither on where the presented value differs nor on its length.
 * The Authorization header and the password are never logged.
 */
final class AuthenticationGate extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationGate.class);

    static final String REALM = "storage-gateway";
    static final String CHALLENGE = "Basic realm=\"" + REALM + "\"";
    private static final byte[] UNAUTHORIZED_BODY = "401 Unauthorized: HTTP Basic authentication is required\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** No legitimate Authorization header is near this long; longer ones are not even decoded. */
    private static final int MAX_AUTHORIZATION_LENGTH = 1024;

    private final byte[] expectedDigest;
    private final long maxRequestBytes;

    AuthenticationGate(byte[] expectedDigest, long maxRequestBytes) {
        super(InvocationType.NON_BLOCKING);
        this.expectedDigest = expectedDigest.clone();
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!authorized(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            LOG.debug("Refused unauthenticated {} {} from {}", request.getMethod(), request.getHttpURI().getPath(),
                    Request.getRemoteAddr(request));
            long declared = request.getLength();
            if (declared > 0 && declared <= maxRequestBytes) {
                // Read the (bounded) body first: a 401 sent while the client still writes can reach it as a reset.
                Content.Source.consumeAll(request, Callback.from(
                        () -> refuse(response, callback, false), failure -> refuse(response, callback, true)));
            } else {
                // No body, or one we will not read for an unauthenticated client: answer and close.
                refuse(response, callback, declared != 0);
            }
            return true;
        }
        long length = request.getLength();
        if (length > maxRequestBytes) {
            LOG.debug("Refused a request body of {} bytes from {} (limit {})", length, Request.getRemoteAddr(request),
                    maxRequestBytes);
            Response.writeError(request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413,
                    "Request body larger than " + maxRequestBytes + " bytes");
            return true;
        }
        return false;
    }

    private static void refuse(Response response, Callback callback, boolean closeConnection) {
        response.setStatus(HttpStatus.UNAUTHORIZED_401);
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=us-ascii");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, UNAUTHORIZED_BODY.length);
        if (closeConnection) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(UNAUTHORIZED_BODY), callback);
    }

    /** Return whether {@code header} carries the admin credentials. */
    boolean authorized(String header) {
        byte[] presented = decodeBasic(header);
        byte[] digest = presented == null ? new byte[expectedDigest.length] : sha256(presented);
        if (presented != null) {
            Arrays.fill(presented, (byte) 0);
        }
        return MessageDigest.isEqual(digest, expectedDigest) & presented != null;
    }

    /** Return the decoded {@code user:password} bytes of a Basic Authorization header, or null. */
    private static byte[] decodeBasic(String header) {
        if (header == null || header.length() > MAX_AUTHORIZATION_LENGTH || header.length() < 6
                || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(header.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
