using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.SharingPolicy.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SignedNodeDirectory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Entries heard before were unsigned: none of them counts any more; nodes announce their signed entries again.
            migrationBuilder.Sql("DELETE FROM nodes;");

            migrationBuilder.DropColumn(
                name: "key_id",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "public_key_jwk",
                table: "nodes");

            migrationBuilder.AddColumn<string>(
                name: "entry",
                table: "nodes",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "signature",
                table: "nodes",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "issued_at",
                table: "nodes",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<string>(
                name: "keys",
                table: "nodes",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.CreateTable(
                name: "used_node_proofs",
                columns: table => new
                {
                    jti = table.Column<string>(type: "text", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_used_node_proofs", x => x.jti);
                });

            migrationBuilder.CreateIndex(
                name: "ix_used_node_proofs_expires_at",
                table: "used_node_proofs",
                column: "expires_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DELETE FROM nodes;");

            migrationBuilder.DropTable(
                name: "used_node_proofs");

            migrationBuilder.DropColumn(
                name: "issued_at",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "keys",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "entry",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "signature",
                table: "nodes");

            migrationBuilder.AddColumn<string>(
                name: "key_id",
                table: "nodes",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "public_key_jwk",
                table: "nodes",
                type: "text",
                nullable: false,
                defaultValue: "");
        }
    }
}
