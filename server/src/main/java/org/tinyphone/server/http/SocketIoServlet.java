package org.tinyphone.server.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.tinyphone.server.ServerStartException;
import org.tinyphone.server.access.Peer;
import org.tinyphone.server.clients.SocketIoClients;

/**
 * socket.io's HTTP side at {@code /socket.io/}: the browser client script ({@code /socket.io/socket.io.js}, from the
 * socket.io-client WebJar), and Engine.IO's polling requests, which go to the library once they pass Tinyphone's
 * rules: the page's Origin as for the WebSocket /ws ({@link BrowserOrigins}, with CORS headers for the origins it
 * lets in), a well-formed query ({@code EIO} 3 or 4, {@code transport=polling}), a POST body with a length of at most
 * {@code clients.max-line} bytes, and, for a new connection, the socket.io client caps.
 */
final class SocketIoServlet extends HttpServlet {
    static final String SCRIPT = "/socket.io.js";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String WEBJAR = "META-INF/maven/org.webjars.bower/socket.io-client/pom.properties";

    private final transient SocketIoClients clients;
    private final transient BrowserOrigins origins;
    private final int maxBody;
    private final byte[] script;
    private final String scriptTag;

    SocketIoServlet(SocketIoClients clients, BrowserOrigins origins, int maxBody) {
        this.clients = clients;
        this.origins = origins;
        this.maxBody = maxBody;
        String version = clientVersion();
        this.script = resource("META-INF/resources/webjars/socket.io-client/" + version + "/dist/socket.io.js");
        this.scriptTag = "\"socket.io-client-" + version + "\"";
    }

    /** The version of the socket.io-client WebJar on the classpath. */
    static String clientVersion() {
        Properties p = new Properties();
        try (InputStream in = SocketIoServlet.class.getClassLoader().getResourceAsStream(WEBJAR)) {
            if (in == null) throw new ServerStartException("the socket.io-client WebJar is not on the classpath (" + WEBJAR + ")", null);
            p.load(in);
        } catch (IOException e) {
            throw new ServerStartException("cannot read " + WEBJAR + ": " + e.getMessage(), e);
        }
        return p.getProperty("version");
    }

    private static byte[] resource(String path) {
        try (InputStream in = SocketIoServlet.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new ServerStartException("the socket.io-client WebJar has no " + path, null);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ServerStartException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (SCRIPT.equals(request.getPathInfo())) {
            script(request, response);
            return;
        }
        String origin = request.getHeader("Origin");
        String refused = origins.refusal(origin, request.getHeader("Host"), request.isSecure());
        InetAddress address = InetAddress.getByName(request.getRemoteAddr());
        Peer peer = new Peer(address, BrowserOrigins.fromLocal(address, request.getHeader("Host"), forwarded(request)));
        if (refused != null) {
            clients.refused(request.getRemoteAddr(), refused);
            error(response, 403, 4, "Forbidden: " + refused);
            return;
        }
        if (origin != null) {
            response.setHeader("Access-Control-Allow-Origin", origin);
            response.setHeader("Access-Control-Allow-Credentials", "true");
            response.addHeader("Vary", "Origin");
        }
        if ("OPTIONS".equals(request.getMethod())) { // a preflight
            response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            response.setHeader("Access-Control-Allow-Headers", "content-type");
            response.setStatus(204);
            return;
        }
        Map<String, String> query = query(request.getQueryString());
        if (query == null || !"polling".equals(query.get("transport"))) {
            error(response, 400, 0, "Transport unknown (EIO=3 or 4, transport=polling or websocket)");
            return;
        }
        String method = request.getMethod();
        if ("POST".equals(method)) {
            long length = request.getContentLengthLong();
            if (length < 0) {
                error(response, 411, 3, "a POST needs a Content-Length");
                return;
            }
            if (length > maxBody) {
                response.setHeader("Connection", "close");
                error(response, 413, 3, "the body is larger than clients.max-line (" + maxBody + " bytes)");
                return;
            }
        } else if (!"GET".equals(method)) {
            error(response, 405, 2, "Bad handshake method");
            return;
        }
        if (query.get("sid") == null) {
            String full = clients.refusal(peer);
            if (full != null) {
                clients.refused(request.getRemoteAddr(), full);
                error(response, 503, 4, "Forbidden: " + full);
                return;
            }
        }
        clients.handlePolling(request, response, peer);
    }

    private void script(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET, HEAD");
            response.sendError(405);
            return;
        }
        response.setHeader("ETag", scriptTag);
        response.setHeader("Cache-Control", "public, max-age=3600");
        if (scriptTag.equals(request.getHeader("If-None-Match"))) {
            response.setStatus(304);
            return;
        }
        response.setContentType("application/javascript; charset=utf-8");
        response.setContentLength(script.length);
        if ("GET".equals(request.getMethod())) response.getOutputStream().write(script);
    }

    static boolean forwarded(HttpServletRequest request) {
        return request.getHeader("Forwarded") != null || request.getHeader("X-Forwarded-For") != null
                || request.getHeader("X-Real-IP") != null;
    }

    /**
     * An Engine.IO query ({@code EIO=4&transport=polling&t=…&sid=…}): null unless {@code EIO} is 3 or 4 and no name
     * comes twice (the library would fail on either).
     */
    static Map<String, String> query(String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > 2048) return null;
        Map<String, String> out = new HashMap<>();
        try {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (out.put(name, value) != null) return null;
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        String eio = out.get("EIO");
        return "3".equals(eio) || "4".equals(eio) ? out : null;
    }

    private static void error(HttpServletResponse response, int status, int code, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("utf-8");
        response.getWriter().write(JSON.createObjectNode().put("code", code).put("message", message).toString());
    }
}
