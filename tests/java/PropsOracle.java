// Test oracle for tests/gradle_java_oracle.rs: reads cases framed as a 4-byte big-endian length
// plus bytes from stdin, loads each with java.util.Properties.load(InputStream) (ISO-8859-1, as
// Gradle does) and prints "ERR" or "OK <n>" followed by n lines "<key> <value>", both as UTF-16
// code units in hex ("-" when empty), sorted by key.
import java.io.*;
import java.util.*;

public class PropsOracle {
    static String hex(String s) {
        if (s.isEmpty()) return "-";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) b.append(String.format("%04x", (int) s.charAt(i)));
        return b.toString();
    }

    public static void main(String[] args) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "US-ASCII");
        while (true) {
            int len;
            try { len = in.readInt(); } catch (EOFException e) { break; }
            byte[] data = new byte[len];
            in.readFully(data);
            Properties p = new Properties();
            try {
                p.load(new ByteArrayInputStream(data));
            } catch (IllegalArgumentException e) {
                out.println("ERR");
                continue;
            }
            TreeMap<String, String> sorted = new TreeMap<>();
            for (String k : p.stringPropertyNames()) sorted.put(hex(k), hex(p.getProperty(k)));
            out.println("OK " + sorted.size());
            for (Map.Entry<String, String> e : sorted.entrySet()) out.println(e.getKey() + " " + e.getValue());
        }
        out.flush();
    }
}
