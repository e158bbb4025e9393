package org.storagegateway.smis.simulator.array;

/**
 * The data path behind masking: publishes each masking view as an iSCSI target whose logical units are the views'
 * volumes' files and whose ACL admits exactly the view's initiators.
 */
public interface LunExports extends AutoCloseable {

    /** No data path: masking changes only what the CIM model says. */
    LunExports NONE = new LunExports() {
        @Override
        public void publish(ArrayState state, LunStore luns) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * Make the published targets match the views of a state.
     *
     * @throws org.storagegateway.smis.simulator.cim.CimException CIM_ERR_FAILED when the target daemon is unavailable
     */
    void publish(ArrayState state, LunStore luns);

    @Override
    void close();
}
