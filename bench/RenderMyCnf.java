import io.messagestack.operator.crd.DatabaseSpec;
import io.messagestack.operator.crd.Durability;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.database.MyCnfRenderer;

/**
 * Prints the operator's rendered my.cnf for a MariaDB Galera stack in the given durability mode (Strict or
 * Relaxed), so that bench/durability.sh runs the exact settings the operator deploys.
 * Run: java -cp operator/target/classes bench/RenderMyCnf.java Strict
 */
public class RenderMyCnf {
    public static void main(String[] args) {
        DatabaseSpec spec = new DatabaseSpec();
        spec.engine = Engine.MARIADB_GALERA;
        spec.durability = Durability.valueOf(args[0].toUpperCase());
        System.out.print(MyCnfRenderer.render(args.length > 1 ? args[1] : "messagestack-bench", spec));
    }
}
