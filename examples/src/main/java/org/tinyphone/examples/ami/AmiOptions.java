package org.tinyphone.examples.ami;

import java.util.ArrayList;
import java.util.List;

import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.ami.tool.AmiTool;

/**
 * The connection options every AMI example takes: {@code --host 127.0.0.1 --port 5038 --user NAME --secret S
 * [--md5]} (defaults from TINYPHONE_AMI_HOST/PORT/USER/SECRET); whatever else is left in {@link #rest()}.
 */
public record AmiOptions(String host, int port, String user, String secret, boolean md5, List<String> rest) {

    public static AmiOptions parse(String[] args) {
        String host = env("TINYPHONE_AMI_HOST", "127.0.0.1");
        int port = AmiTool.port(env("TINYPHONE_AMI_PORT", "5038"));
        String user = env("TINYPHONE_AMI_USER", "");
        String secret = env("TINYPHONE_AMI_SECRET", "");
        boolean md5 = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = next(args, ++i);
                case "--port" -> port = AmiTool.port(next(args, ++i));
                case "--user", "--username" -> user = next(args, ++i);
                case "--secret" -> secret = next(args, ++i);
                case "--md5" -> md5 = true;
                default -> rest.add(args[i]);
            }
        }
        return new AmiOptions(host, port, user, secret, md5, List.copyOf(rest));
    }

    /** A connection builder with these settings (reconnecting, keepalive on). */
    public ManagerConnection.Builder builder() {
        return ManagerConnection.builder().host(host).port(port).username(user).secret(secret).md5(md5);
    }

    private static String next(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
