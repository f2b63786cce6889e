using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Audit.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class TrafficAndSharingKpis : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "published_records",
                columns: table => new
                {
                    record_id = table.Column<Guid>(type: "uuid", nullable: false),
                    department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    sharing = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    quality_score = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    first_published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    withdrawn_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_published_records", x => x.record_id);
                });

            migrationBuilder.CreateTable(
                name: "tracked_requests",
                columns: table => new
                {
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    requester_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    review_deadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    automatic = table.Column<bool>(type: "boolean", nullable: false),
                    overdue = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracked_requests", x => x.request_id);
                });

            migrationBuilder.CreateTable(
                name: "traffic_buckets",
                columns: table => new
                {
                    granularity = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    bucket_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    from_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    to_department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    kind = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    outcome = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false),
                    duration_count = table.Column<long>(type: "bigint", nullable: false),
                    duration_sum_ms = table.Column<double>(type: "double precision", nullable: false),
                    duration_max_ms = table.Column<double>(type: "double precision", nullable: false),
                    duration_histogram = table.Column<long[]>(type: "bigint[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_traffic_buckets", x => new { x.granularity, x.bucket_start, x.from_department, x.to_department, x.kind, x.outcome });
                });

            migrationBuilder.CreateIndex(
                name: "ix_published_records_department_first_published_at",
                table: "published_records",
                columns: new[] { "department", "first_published_at" });

            migrationBuilder.CreateIndex(
                name: "ix_tracked_requests_owner_department_submitted_at",
                table: "tracked_requests",
                columns: new[] { "owner_department", "submitted_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "published_records");

            migrationBuilder.DropTable(
                name: "tracked_requests");

            migrationBuilder.DropTable(
                name: "traffic_buckets");
        }
    }
}
