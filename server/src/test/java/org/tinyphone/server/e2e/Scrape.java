package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GETs from a server's HTTP port, and samples read from its /metrics. */
final class Scrape {
    private Scrape() {}

    /** The body of a GET that must answer 200. */
    static String get(int httpPort, String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
            return r.body();
        }
    }

    /** The Prometheus text of /metrics. */
    static String metrics(int httpPort) throws Exception {
        return get(httpPort, "/metrics");
    }

    /** A sample's value in a Prometheus scrape, e.g. {@code tinyphone_listener_accepted_total{listener="relay"}}; -1 when absent. */
    static double value(String scrape, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** tinyphone_listener_refused_total of a listener for a reason (cap, allow-list, deadline). */
    static double refused(String scrape, String listener, String reason) {
        return value(scrape, "tinyphone_listener_refused_total{listener=\"" + listener + "\",reason=\"" + reason + "\"}");
    }
}
