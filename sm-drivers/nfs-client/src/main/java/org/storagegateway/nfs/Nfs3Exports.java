package org.storagegateway.nfs;

import com.emc.ecs.nfsclient.network.NetMgr;
import com.emc.ecs.nfsclient.portmap.Portmapper;
import com.emc.ecs.nfsclient.rpc.CredentialUnix;
import com.emc.ecs.nfsclient.rpc.RpcRequest;
import com.emc.ecs.nfsclient.rpc.RpcResponse;
import com.emc.ecs.nfsclient.rpc.Xdr;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The export list of an NFS server: the MOUNT3 EXPORT call (RFC 1813 §5.2.5), what {@code showmount -e} prints. The
 * EMC library has no such call, so it is marshalled here on the library's RPC transport (rpcbind for the MOUNT port,
 * then one call on the shared connection).
 */
public final class Nfs3Exports {

    /** One exported directory and the client groups allowed to mount it (empty: everyone). */
    public record Export(String path, List<String> groups) {
        public Export {
            groups = List.copyOf(groups);
        }
    }

    private static final int MOUNT_PROGRAM = 100005;
    private static final int MOUNT_VERSION = 3;
    private static final int MOUNTPROC3_EXPORT = 5;
    private static final int TIMEOUT_SECONDS = 10;

    private Nfs3Exports() {
    }

    /**
     * Ask {@code host} for its exports.
     *
     * @throws Nfs3FileSystemException (status 0) if rpcbind has no MOUNT service or the server does not answer
     */
    public static List<Export> list(String host) throws IOException {
        String what = "nfs3://" + host;
        Xdr reply;
        try {
            int port = Portmapper.queryPortFromPortMap(MOUNT_PROGRAM, MOUNT_VERSION, host);
            Xdr request = new Xdr(512);
            new ExportRequest().marshalling(request);
            reply = NetMgr.getInstance().sendAndWait(host, port, false, request, TIMEOUT_SECONDS);
            new RpcResponse().unmarshalling(reply);
        } catch (IOException | RuntimeException e) {
            throw new Nfs3FileSystemException(what, null, "cannot list the exports (rpcbind or MOUNT3 did not answer): "
                    + e.getMessage(), 0).withCause(e);
        }
        // exports: a linked list (value follows?) of exportnode { dirpath ex_dir; groups ex_groups; }, groups a linked
        // list of names.
        List<Export> exports = new ArrayList<>();
        while (reply.getBoolean()) {
            String path = reply.getString();
            List<String> groups = new ArrayList<>();
            while (reply.getBoolean()) {
                groups.add(reply.getString());
            }
            exports.add(new Export(path, groups));
        }
        return exports;
    }

    /** MOUNTPROC3_EXPORT: no arguments after the RPC header. */
    private static final class ExportRequest extends RpcRequest {
        ExportRequest() {
            super(MOUNT_PROGRAM, MOUNT_VERSION, MOUNTPROC3_EXPORT, new CredentialUnix(0, 0, null));
        }

        @Override
        public String getErrorMessage() {
            return "MOUNT3 EXPORT failed";
        }
    }
}
