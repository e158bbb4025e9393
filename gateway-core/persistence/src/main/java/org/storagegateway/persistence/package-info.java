/**
 * The gateway's persistent state: the engine's {@link org.storagegateway.engine.port.GatewayStore} port implemented
 * with Hibernate ORM on embedded Apache Derby, the schema versioned with Flyway.
 *
 * <p>The only public types are {@link org.storagegateway.persistence.DerbyGatewayStore} and the exceptions it
 * documents. Entities are package-private and never leave this package; the engine sees its own records only.
 */
package org.storagegateway.persistence;
