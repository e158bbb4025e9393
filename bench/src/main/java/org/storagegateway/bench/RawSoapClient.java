package org.storagegateway.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A lightweight SOAP client: a canned document/literal envelope posted with java.net.http over one kept-alive HTTPS
 * connection. It costs the client far less CPU than zeep, so it shows what the endpoint itself sustains.
 */
final class RawSoapClient {
    private final HttpClient http;
    private final URI endpoint;
    private final String authorization;

    RawSoapClient(InProcessGateway gw) throws Exception {
        String wsdl = gw.runtime.wsdlUrl();
        this.endpoint = URI.create(wsdl.substring(0, wsdl.indexOf('?')));
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(gw.runtime.credentials().certificatePemFile()))
                .connectTimeout(Duration.ofSeconds(10)).build();
        String password = Files.readAllLines(gw.runtime.credentials().adminPasswordFile()).get(0).strip();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    void clone(String vdiUuid, String name) throws IOException, InterruptedException {
        String body = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                + "xmlns:g=\"urn:storagegateway:1\"><soapenv:Body><g:cloneVirtualDisk><g:vdiUuid>" + vdiUuid
                + "</g:vdiUuid><g:nameLabel>" + name + "</g:nameLabel></g:cloneVirtualDisk></soapenv:Body>"
                + "</soapenv:Envelope>";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "text/xml; charset=UTF-8").header("SOAPAction", "\"\"")
                .header("Authorization", authorization).timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("cloneVirtualDiskResponse")) {
            throw new IOException("clone failed: HTTP " + response.statusCode() + " " + response.body());
        }
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry("gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
