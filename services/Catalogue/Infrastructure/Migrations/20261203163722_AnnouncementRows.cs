using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Catalogue.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AnnouncementRows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "record_announcements",
                columns: table => new
                {
                    record_id = table.Column<Guid>(type: "uuid", nullable: false),
                    due = table.Column<bool>(type: "boolean", nullable: false),
                    due_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cause = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: true),
                    revision = table.Column<int>(type: "integer", nullable: false),
                    announced_to = table.Column<List<string>>(type: "text[]", nullable: true),
                    announced_rule = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    announced_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_record_announcements", x => x.record_id);
                    table.ForeignKey(
                        name: "fk_record_announcements_records_record_id",
                        column: x => x.record_id,
                        principalTable: "records",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_record_announcements_due",
                table: "record_announcements",
                column: "due_since",
                filter: "due");

            // Records that were ever due keep their announced state; the others were never announced.
            migrationBuilder.Sql("""
                INSERT INTO record_announcements (record_id, due, due_since, cause, revision, announced_to, announced_rule, announced_hash)
                SELECT id, announcement_due, updated_at, announcement_cause, announcement_revision, announced_to, announced_rule, announced_hash
                FROM records WHERE announcement_due OR announcement_revision > 0 OR announced_to IS NOT NULL
                """);

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
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

            migrationBuilder.CreateIndex(
                name: "ix_records_announcement_due",
                table: "records",
                column: "updated_at",
                filter: "announcement_due");

            migrationBuilder.Sql("""
                UPDATE records r SET announcement_due = a.due, announcement_cause = a.cause, announcement_revision = a.revision,
                    announced_to = a.announced_to, announced_rule = a.announced_rule, announced_hash = a.announced_hash
                FROM record_announcements a WHERE a.record_id = r.id
                """);

            migrationBuilder.DropTable(
                name: "record_announcements");
        }
    }
}
