using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Audit.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AppendOnlyChainAlgorithmsSigningKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "hash_algorithm",
                table: "audit_entries",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "sha256");

            migrationBuilder.CreateTable(
                name: "node_signing_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    key_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    private_key_pem = table.Column<string>(type: "text", nullable: false),
                    public_key_pem = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_node_signing_keys", x => x.id);
                });

            // Append-only, enforced by the database for every role that connects normally (the service's included):
            // only a superuser who disables triggers can change history, and then verification and witnesses catch it.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION 'audit_entries is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER audit_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entries
                  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
                CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
                REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER audit_entries_no_truncate ON audit_entries;
                DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries;
                DROP FUNCTION audit_entries_append_only();
                """);

            migrationBuilder.DropTable(
                name: "node_signing_keys");

            migrationBuilder.DropColumn(
                name: "hash_algorithm",
                table: "audit_entries");
        }
    }
}
