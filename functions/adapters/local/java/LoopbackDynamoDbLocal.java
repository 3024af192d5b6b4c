import java.lang.reflect.Field;

/**
 * Starts DynamoDB Local exactly as its own main class does (ServerRunner, the same command-line
 * flags), except that its HTTP connector listens on 127.0.0.1 only: the jar has no host option
 * and otherwise listens on every interface, with no authentication.
 *
 * Pure reflection, compiled against nothing but the JDK (see build.sh): it calls DynamoDB Local's
 * public ServerRunner API and sets the host on the Jetty connector before the server starts; it
 * changes no DynamoDB Local class. Telemetry is never configured here, so none is sent.
 */
public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(proxy);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no HTTP connector to bind to 127.0.0.1");
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    }
    proxy.getClass().getMethod("start").invoke(proxy);
  }
}
