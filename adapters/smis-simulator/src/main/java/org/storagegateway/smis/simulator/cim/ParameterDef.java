package org.storagegateway.smis.simulator.cim;

/** A method parameter; in and out may both be set. */
public record ParameterDef(String name, CimType type, boolean array, String referenceClass, boolean in, boolean out) {
}
