using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Catalogue.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AnnouncedViews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "announced_hash",
                table: "records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "announced_rule",
                table: "records",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "announced_to",
                table: "records",
                type: "text[]",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "announcement_cause",
                table: "records",
                type: "character varying(120)",
                maxLength: 120,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "announcement_due",
                table: "records",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "announcement_revision",
                table: "records",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<List<string>>(
                name: "fields",
                table: "federated_records",
                type: "text[]",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "reannouncements",
                columns: table => new
                {
                    rule = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    rule_version = table.Column<int>(type: "integer", nullable: false),
                    records = table.Column<int>(type: "integer", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reannouncements", x => x.rule);
                });

            migrationBuilder.CreateIndex(
                name: "ix_records_announcement_due",
                table: "records",
                column: "updated_at",
                filter: "announcement_due");

            // Before views, every shared record went whole to every department: it is announced again under the policy,
            // which replaces those copies (peers keep the highest revision, and revisions start above the old versions).
            migrationBuilder.Sql("""
                UPDATE records SET announcement_revision = version,
                    announced_to = CASE WHEN status = 'Active' AND sharing <> 'none' THEN ARRAY['*'] END,
                    announcement_due = (status = 'Active' AND sharing <> 'none')
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reannouncements");

            migrationBuilder.DropIndex(
                name: "ix_records_announcement_due",
                table: "records");

            migrationBuilder.DropColumn(
                name: "announced_hash",
                table: "records");

            migrationBuilder.DropColumn(
                name: "announced_rule",
                table: "records");

            migrationBuilder.DropColumn(
                name: "announced_to",
                table: "records");

            migrationBuilder.DropColumn(
                name: "announcement_cause",
                table: "records");

            migrationBuilder.DropColumn(
                name: "announcement_due",
                table: "records");

            migrationBuilder.DropColumn(
                name: "announcement_revision",
                table: "records");

            migrationBuilder.DropColumn(
                name: "fields",
                table: "federated_records");
        }
    }
}
