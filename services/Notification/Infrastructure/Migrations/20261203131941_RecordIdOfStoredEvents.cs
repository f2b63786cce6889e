using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Notification.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class RecordIdOfStoredEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "record_id",
                table: "inbox_items",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "record_id",
                table: "deliveries",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_record_id",
                table: "inbox_items",
                column: "record_id",
                filter: "record_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_record_id",
                table: "deliveries",
                column: "record_id",
                filter: "record_id IS NOT NULL");
            // Items stored before: their record, from the event they hold, so newer views replace them too.
            migrationBuilder.Sql("""
                UPDATE inbox_items SET record_id = (payload::jsonb->'data'->>'recordId')::uuid WHERE event_type LIKE 'record.%';
                UPDATE deliveries SET record_id = (payload::jsonb->'data'->>'recordId')::uuid WHERE event_type LIKE 'record.%';
                """);
        }


        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_inbox_items_record_id",
                table: "inbox_items");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_record_id",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "record_id",
                table: "inbox_items");

            migrationBuilder.DropColumn(
                name: "record_id",
                table: "deliveries");
        }
    }
}
