package org.storagegateway.smis.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.security.auth.Subject;

import org.sentrysoftware.wbem.javax.cim.CIMArgument;
import org.sentrysoftware.wbem.javax.cim.CIMDataType;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.CIMProperty;
import org.sentrysoftware.wbem.javax.cim.UnsignedInteger32;
import org.sentrysoftware.wbem.javax.wbem.CloseableIterator;
import org.sentrysoftware.wbem.javax.wbem.WBEMException;
import org.sentrysoftware.wbem.javax.wbem.client.PasswordCredential;
import org.sentrysoftware.wbem.javax.wbem.client.UserPrincipal;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClient;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientConstants;
import org.sentrysoftware.wbem.javax.wbem.client.WBEMClientFactory;
import org.storagegateway.smis.simulator.array.Names;

/**
 * The SBLIM client (JSR48) on a simulator's HTTP port, for calls wbemcli cannot express: reference-array arguments
 * and association paths as arguments.
 */
final class SblimSession implements AutoCloseable {
    /** A method's return value and output parameters by name. */
    record Reply(long returnValue, Map<String, Object> outputs) {
        Object output(String name) {
            return outputs.get(name);
        }
    }

    final WBEMClient client;
    final SmisSimulator sim;

    SblimSession(SmisSimulator sim) throws WBEMException {
        this.sim = sim;
        client = WBEMClientFactory.getClient(WBEMClientConstants.PROTOCOL_CIMXML);
        client.setProperty(WBEMClientConstants.PROP_TIMEOUT, "15000");
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(sim.user()));
        subject.getPrivateCredentials().add(new PasswordCredential(sim.password()));
        client.initialize(new CIMObjectPath("http", "127.0.0.1", Integer.toString(sim.httpPort()), null, null, null),
                subject, null);
    }

    static CIMProperty<String> key(String name, String value) {
        return new CIMProperty<>(name, CIMDataType.STRING_T, value, true, false, null);
    }

    CIMObjectPath service(String className, String name) {
        return new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE, className, new CIMProperty<?>[] {
            key("SystemCreationClassName", Names.SYSTEM_CLASS), key("SystemName", sim.systemName()),
            key("CreationClassName", className), key("Name", name)});
    }

    CIMObjectPath volume(String deviceId) {
        return new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE, Names.VOLUME_CLASS,
                new CIMProperty<?>[] {key("SystemCreationClassName", Names.SYSTEM_CLASS),
                    key("SystemName", sim.systemName()), key("CreationClassName", Names.VOLUME_CLASS),
                    key("DeviceID", deviceId)});
    }

    CIMObjectPath system() {
        return new CIMObjectPath(null, null, null, SmisSimulator.ARRAY_NAMESPACE, Names.SYSTEM_CLASS,
                new CIMProperty<?>[] {key("CreationClassName", Names.SYSTEM_CLASS), key("Name", sim.systemName())});
    }

    static CIMArgument<CIMObjectPath> ref(String name, String refClass, CIMObjectPath value) {
        return new CIMArgument<>(name, new CIMDataType(refClass), value);
    }

    static CIMArgument<CIMObjectPath[]> refs(String name, String refClass, CIMObjectPath... values) {
        return new CIMArgument<>(name, new CIMDataType(refClass, 0), values);
    }

    Reply invoke(CIMObjectPath target, String method, CIMArgument<?>... in) throws WBEMException {
        CIMArgument<?>[] out = new CIMArgument<?>[8];
        Object rc = client.invokeMethod(target, method, in, out);
        Map<String, Object> outputs = new HashMap<>();
        for (CIMArgument<?> a : out) {
            if (a != null) {
                outputs.put(a.getName(), a.getValue());
            }
        }
        return new Reply(((UnsignedInteger32) rc).longValue(), outputs);
    }

    List<CIMObjectPath> associatorNames(CIMObjectPath object, String assocClass, String resultClass)
            throws WBEMException {
        return all(client.associatorNames(object, assocClass, resultClass, null, null));
    }

    List<CIMObjectPath> referenceNames(CIMObjectPath object, String resultClass, String role) throws WBEMException {
        return all(client.referenceNames(object, resultClass, role));
    }

    /** The one path of a list. */
    static CIMObjectPath single(List<CIMObjectPath> paths) {
        assertThat(paths).hasSize(1);
        return paths.get(0);
    }

    static <T> List<T> all(CloseableIterator<T> it) {
        List<T> items = new ArrayList<>();
        try {
            while (it.hasNext()) {
                items.add(it.next());
            }
        } finally {
            it.close();
        }
        return items;
    }

    @Override
    public void close() {
        client.close();
    }
}
