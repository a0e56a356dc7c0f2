package io.lingma.gateway.deploy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/** fabric8's Kubernetes mock API server in CRUD mode on a loopback port, with a client and one namespace. */
final class MockApiServer implements AutoCloseable {

    /** Held so the level sticks: the server logs every request at INFO. */
    private static final Logger QUIET = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        QUIET.setLevel(Level.WARNING);
    }

    final KubernetesClient client;
    private final KubernetesMockServer server;

    /**
     * @param port      loopback port to listen on
     * @param namespace namespace created for the resources
     */
    MockApiServer(int port, String namespace) throws IOException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), port);
        client = server.createClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                .build()).create();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
