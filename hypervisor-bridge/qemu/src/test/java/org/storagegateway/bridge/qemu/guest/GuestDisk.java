package org.storagegateway.bridge.qemu.guest;

/**
 * A block device as the test guest lists it.
 *
 * @param name      kernel name: vda, sda, ...
 * @param sizeBytes size in bytes
 * @param serial    the serial number the host gave the device, or "" when none
 */
public record GuestDisk(String name, long sizeBytes, String serial) {
}
