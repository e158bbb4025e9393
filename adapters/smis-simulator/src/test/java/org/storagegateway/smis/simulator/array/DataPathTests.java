package org.storagegateway.smis.simulator.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.storagegateway.smis.simulator.Behaviour;
import org.storagegateway.smis.simulator.BehaviourControl;
import org.storagegateway.smis.simulator.cim.CimException;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.CimStatus;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.ops.MethodInvocation;
import org.storagegateway.smis.simulator.ops.MethodResult;
import org.storagegateway.smis.simulator.ops.Repository;

/** Masking through a data path that cannot publish: a typed CIM error, and nothing changes. */
class DataPathTests {
    @TempDir
    Path state;
    ArrayModel model;

    @BeforeEach
    void open() throws Exception {
        model = ArrayModel.open(state, 1L << 30, new BehaviourControl(Behaviour.defaults()), System::currentTimeMillis);
        model.exports(new TgtdExports(state, IscsiPortal.loopback(3260), Path.of("/nonexistent/tgtd"),
                Path.of("/nonexistent/tgtadm")));
    }

    @AfterEach
    void close() {
        model.close();
    }

    private MethodResult call(ObjectPath service, String method, Map<String, Object> args) {
        Repository repo = model.snapshot();
        CimInstance target = repo.require(service);
        Map<String, Object> lower = new HashMap<>();
        args.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        return model.invoke(new MethodInvocation(target, target.cimClass().method(method), lower));
    }

    @Test
    void exposingWithoutATargetDaemonIsAFailedCimErrorThatChangesNothing() {
        MethodResult created = call(ObjectModel.servicePath(model.state()), Names.CREATE_OR_MODIFY, Map.of(
                "InPool", ObjectModel.poolPath(Names.THICK_POOL_ID), "ElementName", "v", "ElementType", 2L,
                "Size", 1L << 20));
        String naa = model.state().volumes().get(0).naaId();
        assertThat(created.returnValue()).isZero();
        ObjectPath controller = ObjectModel.servicePath(model.state(), Names.CONTROLLER_SERVICE_CLASS,
                Names.CONTROLLER_SERVICE_NAME);
        assertThatThrownBy(() -> call(controller, "ExposePaths", Map.of("LUNames", List.of(naa),
                "InitiatorPortIDs", List.of("iqn.2026-01.org.example:host-a"))))
                .isInstanceOfSatisfying(CimException.class, e -> {
                    assertThat(e.code()).isEqualTo(CimStatus.FAILED);
                    assertThat(e.getMessage()).contains("iSCSI target daemon is unavailable")
                            .contains("Debian package tgt");
                });
        assertThat(model.state().views()).isEmpty();
        assertThat(model.state().hardwareIds()).isEmpty();
    }
}
