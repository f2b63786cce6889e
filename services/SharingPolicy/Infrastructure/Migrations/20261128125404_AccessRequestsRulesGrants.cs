using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Platform.SharingPolicy.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AccessRequestsRulesGrants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_requests",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    direction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    owner_department = table.Column<string>(type: "text", nullable: false),
                    requester_department = table.Column<string>(type: "text", nullable: false),
                    record_id = table.Column<Guid>(type: "uuid", nullable: false),
                    record_title = table.Column<string>(type: "text", nullable: true),
                    purpose = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    fields = table.Column<List<string>>(type: "text[]", nullable: false),
                    requested_by = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    automatic = table.Column<bool>(type: "boolean", nullable: false),
                    rule = table.Column<string>(type: "text", nullable: true),
                    rule_version = table.Column<int>(type: "integer", nullable: true),
                    review_deadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    overdue = table.Column<bool>(type: "boolean", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: true),
                    decided_by = table.Column<string>(type: "text", nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    grant_id = table.Column<Guid>(type: "uuid", nullable: true),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_access_requests", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "grants",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    direction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_department = table.Column<string>(type: "text", nullable: false),
                    requester_department = table.Column<string>(type: "text", nullable: false),
                    record_id = table.Column<Guid>(type: "uuid", nullable: false),
                    fields = table.Column<List<string>>(type: "text[]", nullable: false),
                    masks = table.Column<string>(type: "jsonb", nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revoke_reason = table.Column<string>(type: "text", nullable: true),
                    token = table.Column<string>(type: "text", nullable: false),
                    deliveries = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grants", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "nodes",
                columns: table => new
                {
                    department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    gateway_url = table.Column<string>(type: "text", nullable: false),
                    key_id = table.Column<string>(type: "text", nullable: false),
                    public_key_jwk = table.Column<string>(type: "text", nullable: false),
                    announced_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_nodes", x => x.department);
                });

            migrationBuilder.CreateTable(
                name: "peer_records",
                columns: table => new
                {
                    record_id = table.Column<Guid>(type: "uuid", nullable: false),
                    department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    withdrawn = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_peer_records", x => x.record_id);
                });

            migrationBuilder.CreateTable(
                name: "sharing_rule_versions",
                columns: table => new
                {
                    name = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    snapshot = table.Column<string>(type: "jsonb", nullable: false),
                    changed_by = table.Column<string>(type: "text", nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sharing_rule_versions", x => new { x.name, x.version });
                });

            migrationBuilder.CreateTable(
                name: "sharing_rules",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    fonds_code = table.Column<string>(type: "text", nullable: true),
                    category = table.Column<string>(type: "text", nullable: true),
                    classification = table.Column<string>(type: "text", nullable: true),
                    retention_period = table.Column<string>(type: "text", nullable: true),
                    record_id = table.Column<Guid>(type: "uuid", nullable: true),
                    sharing = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    allowed_departments = table.Column<List<string>>(type: "text[]", nullable: false),
                    purposes = table.Column<List<string>>(type: "text[]", nullable: false),
                    fields = table.Column<List<string>>(type: "text[]", nullable: false),
                    masks = table.Column<string>(type: "jsonb", nullable: false),
                    grant_validity = table.Column<TimeSpan>(type: "interval", nullable: false),
                    review_working_days = table.Column<int>(type: "integer", nullable: true),
                    review_time_limit = table.Column<TimeSpan>(type: "interval", nullable: true),
                    updated_by = table.Column<string>(type: "text", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sharing_rules", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "access_request_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    note = table.Column<string>(type: "text", nullable: true),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_access_request_events", x => x.id);
                    table.ForeignKey(
                        name: "fk_access_request_events_access_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "access_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_access_request_events_request_id",
                table: "access_request_events",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_access_requests_direction_status_submitted_at",
                table: "access_requests",
                columns: new[] { "direction", "status", "submitted_at" });

            migrationBuilder.CreateIndex(
                name: "ix_access_requests_open_reviews",
                table: "access_requests",
                column: "review_deadline",
                filter: "status = 'pending-review' AND NOT overdue");

            migrationBuilder.CreateIndex(
                name: "ix_grants_request_id",
                table: "grants",
                column: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_request_events");

            migrationBuilder.DropTable(
                name: "grants");

            migrationBuilder.DropTable(
                name: "nodes");

            migrationBuilder.DropTable(
                name: "peer_records");

            migrationBuilder.DropTable(
                name: "sharing_rule_versions");

            migrationBuilder.DropTable(
                name: "sharing_rules");

            migrationBuilder.DropTable(
                name: "access_requests");
        }
    }
}
