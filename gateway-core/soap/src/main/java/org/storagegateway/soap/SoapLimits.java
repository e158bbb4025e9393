package org.storagegateway.soap;

/**
 * The limits the SOAP endpoint enforces on every request before any of it reaches the engine.
 *
 * <p>The XML limits are enforced by Woodstox while the request is parsed: they are set on the endpoint's own parser
 * factory and as CXF's {@code org.apache.cxf.stax.*} endpoint properties. A request over a limit gets a
 * {@code soap:Client} fault. The body limit is enforced twice: a request whose
 * {@code Content-Length} is over it is answered with HTTP 413 before its body is read, and a request without a length
 * (chunked) is cut off once it has sent more than the limit.
 *
 * @param maxRequestBytes the largest request body, in bytes
 * @param maxXmlCharacters the most characters in one request document ({@code org.apache.cxf.stax.maxXMLCharacters})
 * @param maxElementDepth the deepest element nesting ({@code org.apache.cxf.stax.maxElementDepth})
 * @param maxChildElements the most children of one element ({@code org.apache.cxf.stax.maxChildElements})
 * @param maxElementCount the most elements in one document ({@code org.apache.cxf.stax.maxElementCount})
 * @param maxAttributeCount the most attributes on one element ({@code org.apache.cxf.stax.maxAttributeCount})
 * @param maxAttributeSize the longest attribute value ({@code org.apache.cxf.stax.maxAttributeSize})
 * @param maxTextLength the longest text node ({@code org.apache.cxf.stax.maxTextLength})
 */
public record SoapLimits(
        long maxRequestBytes,
        long maxXmlCharacters,
        int maxElementDepth,
        int maxChildElements,
        long maxElementCount,
        int maxAttributeCount,
        int maxAttributeSize,
        int maxTextLength) {

    public SoapLimits {
        positive(maxRequestBytes, "maxRequestBytes");
        positive(maxXmlCharacters, "maxXmlCharacters");
        positive(maxElementDepth, "maxElementDepth");
        positive(maxChildElements, "maxChildElements");
        positive(maxElementCount, "maxElementCount");
        positive(maxAttributeCount, "maxAttributeCount");
        positive(maxAttributeSize, "maxAttributeSize");
        positive(maxTextLength, "maxTextLength");
    }

    /**
     * Return limits sized for this contract: its largest legal request (an SR with 256 device-config entries of 4 KiB
     * values) is about 1.1 MB, its deepest legal nesting is 6 (Envelope, Body, operation, deviceConfig, entry, key).
     */
    public static SoapLimits defaults() {
        return new SoapLimits(
                2L * 1024 * 1024, // body bytes
                2L * 1024 * 1024, // XML characters
                32, // element depth
                1024, // children of one element
                10_000, // elements in the document
                32, // attributes per element
                4 * 1024, // attribute value length
                64 * 1024); // text node length
    }

    private static void positive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
