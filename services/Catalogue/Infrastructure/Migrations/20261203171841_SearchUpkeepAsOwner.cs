using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Catalogue.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SearchUpkeepAsOwner : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // ANALYZE and gin_clean_pending_list need the table's owner; the service runs as a role that owns nothing,
            // so SearchStatistics calls these, which run as their owner and touch only the two searched tables.
            migrationBuilder.Sql("""
                CREATE FUNCTION search_tables_analyze(target text) RETURNS void
                  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
                BEGIN
                  IF target NOT IN ('records', 'federated_records') THEN
                    RAISE EXCEPTION '% is not a searched table', target USING ERRCODE = 'invalid_parameter_value';
                  END IF;
                  EXECUTE format('ANALYZE %I', target);
                END $$;
                CREATE FUNCTION search_tables_clean_pending(target text) RETURNS void
                  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
                BEGIN
                  IF target NOT IN ('records', 'federated_records') THEN
                    RAISE EXCEPTION '% is not a searched table', target USING ERRCODE = 'invalid_parameter_value';
                  END IF;
                  PERFORM gin_clean_pending_list(i.indexrelid)
                  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
                  WHERE i.indrelid = to_regclass(target) AND a.amname = 'gin';
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION search_tables_clean_pending(text);
                DROP FUNCTION search_tables_analyze(text);
                """);
        }
    }
}
