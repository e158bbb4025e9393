package org.storagegateway.nfs;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;

/** Numeric owners: AUTH_SYS carries uids and gids, and this client does no name mapping. */
final class Nfs3Principals {
    private Nfs3Principals() {
    }

    record User(long uid) implements UserPrincipal {
        @Override
        public String getName() {
            return Long.toString(uid);
        }
    }

    record Group(long gid) implements GroupPrincipal {
        @Override
        public String getName() {
            return Long.toString(gid);
        }
    }
}
