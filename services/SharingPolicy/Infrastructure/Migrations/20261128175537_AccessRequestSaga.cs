using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.SharingPolicy.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AccessRequestSaga : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_access_requests_open_reviews",
                table: "access_requests");

            migrationBuilder.AddColumn<Guid>(
                name: "review_deadline_token",
                table: "access_requests",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "review_reminder_token",
                table: "access_requests",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "deferred_messages",
                columns: table => new
                {
                    token_id = table.Column<Guid>(type: "uuid", nullable: false),
                    destination = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    message_type = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    body = table.Column<string>(type: "jsonb", nullable: false),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    scheduled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deferred_messages", x => x.token_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_deferred_messages_due_at",
                table: "deferred_messages",
                column: "due_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deferred_messages");

            migrationBuilder.DropColumn(
                name: "review_deadline_token",
                table: "access_requests");

            migrationBuilder.DropColumn(
                name: "review_reminder_token",
                table: "access_requests");

            migrationBuilder.CreateIndex(
                name: "ix_access_requests_open_reviews",
                table: "access_requests",
                column: "review_deadline",
                filter: "status = 'pending-review' AND NOT overdue");
        }
    }
}
