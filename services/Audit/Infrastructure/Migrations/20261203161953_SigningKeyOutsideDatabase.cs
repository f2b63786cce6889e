using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Audit.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SigningKeyOutsideDatabase : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The service moves the key to Audit:SigningKeyPath before migrating; anything else (dotnet ef, a script)
            // must not destroy a key peers have pinned.
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                  IF EXISTS (SELECT 1 FROM node_signing_keys) THEN
                    RAISE EXCEPTION 'node_signing_keys still holds the checkpoint signing key: start the audit service with Audit:SigningKeyPath set, which moves it into that file (docs/SECURITY.md)';
                  END IF;
                END $$;
                """);
            migrationBuilder.DropTable(
                name: "node_signing_keys");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "node_signing_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    key_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    private_key_pem = table.Column<string>(type: "text", nullable: false),
                    public_key_pem = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_node_signing_keys", x => x.id);
                });
        }
    }
}
