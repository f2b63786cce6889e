using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Notification.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class InboxItemsNotify : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Wakes the live inbox streams of every replica when new items commit (InboxSignal listens).
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_inbox_items() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('inbox_items', '');
                    RETURN NULL;
                END $$;
                CREATE TRIGGER inbox_items_notify AFTER INSERT ON inbox_items
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_inbox_items();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER inbox_items_notify ON inbox_items;
                DROP FUNCTION notify_inbox_items();
                """);
        }
    }
}
