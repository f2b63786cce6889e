using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.SharingPolicy.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class BulkRequestsAndSubscriptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "year",
                table: "shared_records",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "bulk_access_request_items",
                columns: table => new
                {
                    bulk_request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    record_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bulk_access_request_items", x => new { x.bulk_request_id, x.request_id });
                });

            migrationBuilder.CreateTable(
                name: "bulk_access_requests",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    direction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    owner_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    requester_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    fonds_code = table.Column<string>(type: "text", nullable: true),
                    category = table.Column<string>(type: "text", nullable: true),
                    year = table.Column<int>(type: "integer", nullable: true),
                    purpose = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    fields = table.Column<List<string>>(type: "text[]", nullable: false),
                    requested_by = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    reason = table.Column<string>(type: "text", nullable: true),
                    matched = table.Column<int>(type: "integer", nullable: false),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bulk_access_requests", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "record_subscriptions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    direction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    owner_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    subscriber_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    fonds_code = table.Column<string>(type: "text", nullable: true),
                    category = table.Column<string>(type: "text", nullable: true),
                    year = table.Column<int>(type: "integer", nullable: true),
                    purpose = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    fields = table.Column<List<string>>(type: "text[]", nullable: false),
                    requested_by = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cancelled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cancelled_by = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_record_subscriptions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "subscription_deliveries",
                columns: table => new
                {
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: false),
                    record_id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    offered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subscription_deliveries", x => new { x.subscription_id, x.record_id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_bulk_access_request_items_request_id",
                table: "bulk_access_request_items",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_bulk_access_requests_direction_submitted_at",
                table: "bulk_access_requests",
                columns: new[] { "direction", "submitted_at" });

            migrationBuilder.CreateIndex(
                name: "ix_record_subscriptions_direction_status",
                table: "record_subscriptions",
                columns: new[] { "direction", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_subscription_deliveries_request_id",
                table: "subscription_deliveries",
                column: "request_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bulk_access_request_items");

            migrationBuilder.DropTable(
                name: "bulk_access_requests");

            migrationBuilder.DropTable(
                name: "record_subscriptions");

            migrationBuilder.DropTable(
                name: "subscription_deliveries");

            migrationBuilder.DropColumn(
                name: "year",
                table: "shared_records");
        }
    }
}
