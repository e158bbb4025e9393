package org.storagegateway.smis.simulator.server;

import org.storagegateway.smis.simulator.xml.XmlElement;

/**
 * One CIM operation request, past the envelope checks: the MESSAGE ID to echo, the operation (intrinsic) or method
 * (extrinsic) name, the target namespace, and the IMETHODCALL/METHODCALL element for the operation to decode.
 */
public record CimRequest(String messageId, boolean intrinsic, String methodName, String namespace, XmlElement call) {
}
